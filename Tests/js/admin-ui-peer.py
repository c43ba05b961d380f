"""The python-socketio client the Admin UI browser test lists and disconnects
(Tests/js/admin-ui-browser.cjs): it connects to the e2e app, joins ROOM, prints `sid <id>`,
then waits (at most 90 s) for the server to disconnect it, and exits 0 only if it did."""
import sys
import threading

import socketio

url, room = sys.argv[1], sys.argv[2]
gone = threading.Event()
client = socketio.Client(reconnection=False)
client.on("disconnect", lambda *args: gone.set())
client.connect(url, transports=["websocket"], wait_timeout=10)
client.call("join", {"room": room}, timeout=10)
print("sid", client.get_sid("/"), flush=True)
if gone.wait(90):
    print("python client: disconnected by the server", flush=True)
    sys.exit(0)
print("python client: never disconnected", flush=True)
client.disconnect()
sys.exit(1)
