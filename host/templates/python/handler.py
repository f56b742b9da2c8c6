"""{{name}}: a sio-host handler (sio:realtime@{{wit_version}}) in Python.

* ``echo(*args)`` with an ack: answered with the same arguments.
* ``say(text)``: ``said [text]`` to every connection.
"""

import sio


class App(sio.Handler):
    def on_connect(self, info):
        sio.log.info(f"{{name}}: {info.sid} connected")

    def on_event(self, conn, event, args, ack):
        if event == "echo" and ack is not None:
            ack(*args)
        elif event == "say":
            sio.emit(sio.ALL, "said", str(args[0]) if args else "")


WitWorld, State = sio.serve(App())
