"""The benchmark app on Flask-SocketIO, as our users run it today (scripts/bench.sh).

    python flask_app.py eventlet|gevent PORT

`echo` acks with its arguments; `broadcast` sends `bcast` with its argument to everyone.
Monkey patching has to come before every other import, which is the point of issue 6's table.
"""
import sys

MODE = sys.argv[1]
PORT = int(sys.argv[2])
if MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
else:
    sys.exit("usage: flask_app.py eventlet|gevent PORT")

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE, cors_allowed_origins="*")


@socketio.on("echo")
def echo(data):
    return data


@socketio.on("broadcast")
def broadcast(data):
    socketio.emit("bcast", data)


if __name__ == "__main__":
    extra = {}
    if MODE == "eventlet":
        # eventlet's WSGI server serves at most 1,024 connections at once unless max_size is
        # raised; raised so that the idle and echo scenarios can reach 10,000.
        extra["max_size"] = 20000
    socketio.run(app, host="127.0.0.1", port=PORT, log_output=False, **extra)
