// A small graphql-transport-ws client: one websocket, many subscriptions.
//
// The protocol: connection_init (with {authToken} when there is a token) → connection_ack;
// then subscribe / next / error / complete per operation id. The server pings to learn what
// we have read, and treats a client that never answers pong as too slow, so every ping is
// answered at once. Reconnecting is the caller's job: it knows the cursor to resume from.

export const UNAUTHORIZED = 4401;

export class GraphQLSocket {
  // onClose(code, reason) is called once, whatever ended the connection.
  constructor(url, token, { onAck, onClose }) {
    this.operations = new Map();
    this.nextId = 1;
    this.acked = false;
    this.closed = false;
    this.onAck = onAck;
    this.onClose = onClose;
    this.socket = new WebSocket(url, "graphql-transport-ws");
    this.socket.addEventListener("open", () => {
      this.send({ type: "connection_init", payload: token ? { authToken: token } : {} });
    });
    this.socket.addEventListener("message", (message) => this.receive(message.data));
    this.socket.addEventListener("close", (event) => this.ended(event.code, event.reason));
    // A server that never acknowledges is as good as gone.
    this.ackTimer = setTimeout(() => this.close(4408, "no connection_ack"), 10_000);
  }

  send(message) {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this.close(4400, "unreadable message");
      return;
    }
    const operation = this.operations.get(message.id);
    switch (message.type) {
      case "connection_ack":
        clearTimeout(this.ackTimer);
        this.acked = true;
        this.onAck();
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        operation?.next(message.payload);
        break;
      case "error":
        this.operations.delete(message.id);
        operation?.error(message.payload);
        break;
      case "complete":
        this.operations.delete(message.id);
        operation?.complete();
        break;
      default:
        break;
    }
  }

  // Starts an operation; returns a function that stops it.
  subscribe(query, variables, sink) {
    const id = String(this.nextId++);
    this.operations.set(id, sink);
    this.send({ id, type: "subscribe", payload: { query, variables } });
    return () => {
      if (this.operations.delete(id)) this.send({ id, type: "complete" });
    };
  }

  close(code = 1000, reason = "") {
    if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(code, reason);
    this.ended(code, reason);
  }

  ended(code, reason) {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.ackTimer);
    this.operations.clear();
    this.onClose(code, reason);
  }
}
