/// The demo page, embedded in the binary. It loads the light client embedded in the library
/// (``LightClient``, at /socket.io-light.js), so that it works without internet; with
/// `--client-js` it loads that official client from /socket.io/socket.io.min.js instead.
enum DemoPage {
    static func html(clientScriptURL: String) -> String {
        // A plain scan for the one placeholder: String's `split(separator:)` with a multi-character
        // separator and `replacing(_:with:)` come from _StringProcessing, which would add
        // about 1.4 MiB to the static binary.
        let placeholder = Array("{{CLIENT_JS}}".utf8)
        let bytes = Array(template.utf8)
        var index = 0
        while index + placeholder.count <= bytes.count {
            if bytes[index..<index + placeholder.count].elementsEqual(placeholder) {
                return String(decoding: bytes[..<index], as: UTF8.self) + clientScriptURL
                    + String(decoding: bytes[(index + placeholder.count)...], as: UTF8.self)
            }
            index += 1
        }
        return template
    }

    static let template = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>swift-socketio demo</title>
        <style>
          body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
          header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; justify-content: space-between; }
          header b { font-size: 18px; }
          #status.on { color: #7ee081; } #status.off { color: #ff8f8f; }
          main { display: grid; grid-template-columns: 1fr 240px; gap: 16px; padding: 16px 20px; max-width: 980px; }
          .card { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 14px; }
          #rooms button { margin-right: 6px; padding: 4px 10px; border-radius: 14px; border: 1px solid #c8ccd4; background: #fff; cursor: pointer; }
          #rooms button.active { background: #f05138; border-color: #f05138; color: #fff; }
          #messages { list-style: none; padding: 0; margin: 12px 0; height: 300px; overflow-y: auto; border-top: 1px solid #eee; }
          #messages li { padding: 6px 2px; border-bottom: 1px solid #f0f0f0; }
          #messages .ack { color: #2f9e44; font-size: 12px; margin-left: 6px; }
          #messages .nack { color: #d9480f; font-size: 12px; margin-left: 6px; }
          form { display: flex; gap: 8px; } input { padding: 6px 8px; border: 1px solid #c8ccd4; border-radius: 6px; }
          #text { flex: 1; } .stat { font-size: 28px; font-weight: 600; } .label { color: #687082; font-size: 12px; }
          #noclient { display: none; background: #fff3cd; padding: 10px 20px; }
        </style>
        <script src="{{CLIENT_JS}}"></script>
        </head>
        <body>
        <header><b>swift-socketio</b><span id="status" class="off">connecting…</span></header>
        <div id="noclient">The Socket.IO client did not load from this server. Check the file given with
        <code>--client-js</code>, or start the server without it to use the built-in light client.</div>
        <main>
          <section class="card">
            <div id="rooms"></div>
            <ul id="messages"></ul>
            <form id="form"><input id="name" size="10" value="guest"><input id="text" placeholder="Say something" autocomplete="off"><button>Send</button></form>
          </section>
          <aside class="card">
            <div class="label">connected clients</div><div class="stat" id="clients">–</div>
            <div class="label">rooms in use</div><div class="stat" id="roomCount">–</div>
            <div class="label">events / s</div><div class="stat" id="eps">–</div>
          </aside>
        </main>
        <script>
        const rooms = ["lobby", "swift", "python"];
        const $ = (id) => document.getElementById(id);
        const selftest = new URLSearchParams(location.search).has("selftest");
        let current = "lobby";
        if (typeof io === "undefined") {
          $("noclient").style.display = "block";
          $("status").textContent = "no client library";
        } else {
          const socket = io({ transports: ["websocket", "polling"] });
          const add = (html) => { const li = document.createElement("li"); li.innerHTML = html; $("messages").appendChild(li); li.scrollIntoView(); return li; };
          const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
          const drawRooms = () => {
            $("rooms").innerHTML = "";
            for (const room of rooms) {
              const b = document.createElement("button");
              b.textContent = "#" + room; b.className = room === current ? "active" : "";
              b.onclick = async () => { const [joined] = await socket.timeout(5000).emitWithAck("join", room); current = joined; drawRooms(); add(`<i>joined #${esc(joined)}</i>`); };
              $("rooms").appendChild(b);
            }
          };
          const send = async (text) => {
            const li = add(`<b>${esc($("name").value)}</b> ${esc(text)} <span class="nack">sending…</span>`);
            try {
              const receipt = await socket.timeout(5000).emitWithAck("chat", { room: current, name: $("name").value, text });
              li.querySelector("span").className = receipt.delivered ? "ack" : "nack";
              li.querySelector("span").textContent = receipt.delivered ? `✓ delivered to ${receipt.recipients}` : "✗ not delivered";
              return receipt.delivered;
            } catch (e) {
              li.querySelector("span").textContent = "✗ " + e.message;
              return false;
            }
          };
          socket.on("connect", () => { $("status").textContent = "connected (" + socket.io.engine.transport.name + ")"; $("status").className = "on"; });
          socket.io.engine && socket.io.on("upgrade", (t) => { $("status").textContent = "connected (" + t.name + ")"; });
          socket.on("disconnect", (reason) => { $("status").textContent = "disconnected: " + reason; $("status").className = "off"; });
          socket.on("chat", (m) => { if (m.name !== $("name").value) add(`<b>${esc(m.name)}</b> ${esc(m.text)}`); });
          let statsSeen = false;
          socket.on("stats", async (s) => {
            $("clients").textContent = s.clients; $("roomCount").textContent = s.rooms; $("eps").textContent = s.eventsPerSecond;
            if (selftest && !statsSeen) {
              statsSeen = true;
              $("name").value = new URLSearchParams(location.search).get("selftest") || "self-test";
              const ok = await send("hello from headless Chromium");
              document.title = ok ? "demo: delivered" : "demo: not delivered";
            }
          });
          $("form").onsubmit = (e) => { e.preventDefault(); const t = $("text").value.trim(); if (t) { send(t); $("text").value = ""; } };
          drawRooms();
        }
        </script>
        </body>
        </html>
        """
}
