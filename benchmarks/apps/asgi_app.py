"""The benchmark app on python-socketio's AsyncServer under uvicorn (scripts/bench.sh).

    python asgi_app.py PORT

`echo` acks with its arguments; `broadcast` sends `bcast` with its argument to everyone.
"""
import sys

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
app = socketio.ASGIApp(sio)


@sio.on("echo")
async def echo(sid, data):
    return data


@sio.on("broadcast")
async def broadcast(sid, data):
    await sio.emit("bcast", data)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", backlog=4096)
