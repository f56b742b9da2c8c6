// Node socket.io 4.8 with the benchmark's handlers on namespace "/":
//   echo (with an ack): ack with the same arguments;
//   broadcast: emit "broadcast" with the same arguments to every socket.
//
//   node server.js PORT     (listens on 127.0.0.1:PORT)
"use strict";
const { createServer } = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] ?? 8002);
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("broadcast", (...args) => {
    io.emit("broadcast", ...args);
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.error(`socket.io ${require("socket.io/package.json").version} listening on 127.0.0.1:${port}`);
});
