"""How long one connection's burst of tiny units holds an event loop, seen by a canary.

    swift build -c release --product socketio-server
    .build/release/socketio-server e2e --port 3998 --log-level warning &
    .venv/bin/python benchmarks/hostile_bursts.py 3998

A python-socketio canary sends an acked `echo` every 20 ms over WebSocket; each burst runs
twice (once with an extra idle connection opened first, so that with two event loops the
burst lands on the canary's loop in one of the two runs), and the worst ack time of each run
is printed. Bursts: 4,000 pipelined polling handshakes in one write; a chunked POST of 300,000
one-byte chunks; 300,000 one-byte WebSocket noop frames. Found by the attack on issue 11's
server; figures in docs/security.md.
"""
import socket, threading, time, sys, os, struct
import socketio
PORT=int(sys.argv[1])
worst=[0.0]; stop=[False]
c=socketio.Client(reconnection=False)
c.connect(f"http://127.0.0.1:{PORT}", transports=["websocket"])
def canary():
    i=0
    while not stop[0]:
        i+=1; t=time.monotonic(); c.call("echo", i, timeout=30); worst[0]=max(worst[0], time.monotonic()-t); time.sleep(0.02)
threading.Thread(target=canary,daemon=True).start()
def frame(p, opcode=1):
    key=os.urandom(4); n=len(p)
    h=bytes([0x80|opcode])+(bytes([0x80|n]) if n<126 else bytes([0x80|126])+struct.pack(">H",n))
    return h+key+bytes(b^key[i%4] for i,b in enumerate(p))
def drain(s):
    def rd():
        try:
            while s.recv(1<<20): pass
        except OSError: pass
    threading.Thread(target=rd,daemon=True).start()
def pipelined():
    s=socket.create_connection(("127.0.0.1",PORT)); drain(s)
    s.sendall(b'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n'*4000); return s
def chunks():
    s=socket.create_connection(("127.0.0.1",PORT)); drain(s)
    s.sendall(b'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n')
    time.sleep(0.3)
    s2=socket.create_connection(("127.0.0.1",PORT)); drain(s2)
    s2.sendall(b'POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'+b'1\r\n6\r\n'*300000+b'0\r\n\r\n'); return s2
def tinyframes():
    s=socket.create_connection(("127.0.0.1",PORT)); drain(s)
    s.sendall(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    time.sleep(0.3); f=frame(b"6"); s.sendall(f*300000); return s
for name, attack in [("pipelined handshakes x4000", pipelined), ("300k 1-byte chunks", chunks), ("300k noop frames", tinyframes)]:
    for same in (False, True):
        dummy = socket.create_connection(("127.0.0.1",PORT)) if same else None
        time.sleep(0.5); worst[0]=0.0
        s=attack(); time.sleep(4)
        print(f"{name:30s} {'(extra conn first)' if same else '':20s} canary worst {worst[0]*1000:.0f} ms", flush=True)
        s.close()
        if dummy: dummy.close()
stop[0]=True
