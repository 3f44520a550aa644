//! The functions of the application protocols: Socket.IO's `emit`,
//! GraphQL's `subscribe` and `query`, STOMP's `stomp_send`, JSON-RPC's
//! `rpc`… Each works on a connection of its protocol and throws a sentence
//! on any other. The frames are made here, on the caller's side (with the
//! connection's ids); a wait for one particular message looks through what
//! is queued and leaves the rest for `recv`, in order.

use rhai::Dynamic;
use serde_json::Value;

use super::super::diagnostics::{interrupted, runtime};
use super::{Context, Fallible, Wait};
use crate::connection::{Connection, Message, Sought, closed_error};
use crate::console::render::format_size;
use crate::protocol::{Decoded, graphql, jsonrpc, socketio, stomp};

impl Context {
    /// Refuses `function` on a connection that does not speak `protocol`.
    fn speaking(&self, connection: &Connection, protocol: &str, function: &str) -> Fallible<()> {
        match connection.protocol() {
            Some(spoken) if spoken == protocol => Ok(()),
            spoken => Err(runtime(format!(
                "{function} works on a {protocol} connection, and this one speaks {}; connect with --protocol {protocol}, or connect(url, #{{protocol: \"{protocol}\"}})",
                spoken.unwrap_or("no protocol")
            ))),
        }
    }

    fn send_frame(&self, connection: &Connection, frame: String) -> Fallible<()> {
        self.deliver(connection, Message::Text(frame))
    }

    /// Waits for the decoded message `wanted` accepts; `what` names it in
    /// the sentence of a failed wait.
    fn wait_for(
        &self,
        connection: &Connection,
        function: &str,
        what: &str,
        wait: Wait,
        wanted: &dyn Fn(&Decoded) -> bool,
    ) -> Fallible<Decoded> {
        let token = self.interrupt.token();
        match connection.recv_decoded(wanted, wait.limit, &token) {
            Ok(decoded) => {
                self.count_taken(connection);
                Ok(decoded)
            }
            Err(Sought::Interrupted) => Err(interrupted()),
            Err(Sought::Timeout) => Err(runtime(format!(
                "{function}: {what} did not arrive within {}",
                wait.describe(function)
            ))),
            Err(Sought::Closed(info)) => Err(runtime(format!(
                "{function}: the connection ended before {what} arrived ({})",
                closed_error(&info)
            ))),
            Err(Sought::Full) => Err(runtime(format!(
                "{function}: the receive queue filled with other messages (message_queue_bytes {}) before {what} arrived; take them with recv as you go, or raise message_queue_bytes",
                format_size(self.settings.message_queue_bytes)
            ))),
        }
    }

    /// Socket.IO: sends the event `name` with `data` (no argument when
    /// `None`).
    pub(crate) fn emit(
        &self,
        connection: &Connection,
        name: &str,
        data: Option<Dynamic>,
    ) -> Fallible<()> {
        self.speaking(connection, "socketio", "emit")?;
        let args = data.map(|d| json(&d, "emit")).transpose()?;
        self.send_event(connection, name, args.as_slice(), None)
    }

    /// Sends a Socket.IO event in the connection's namespace, with an ack
    /// id if any.
    fn send_event(
        &self,
        connection: &Connection,
        name: &str,
        args: &[Value],
        ack: Option<u64>,
    ) -> Fallible<()> {
        let frame = socketio::event(&namespace(connection), name, args, ack);
        self.send_frame(connection, frame)
    }

    /// Socket.IO: sends the event with an ack id and waits for the ack's
    /// data.
    pub(crate) fn emit_with_ack(
        &self,
        connection: &Connection,
        name: &str,
        data: Dynamic,
        wait: Wait,
    ) -> Fallible<Dynamic> {
        self.speaking(connection, "socketio", "emit_with_ack")?;
        let args = [json(&data, "emit_with_ack")?];
        let id = connection.next_id();
        self.send_event(connection, name, &args, Some(id))?;
        let what = format!("the ack of {name:?} (ack {id})");
        let ack = self.wait_for(connection, "emit_with_ack", &what, wait, &|d| {
            d.value.get("ack").and_then(Value::as_u64) == Some(id)
        })?;
        dynamic(ack.value.get("data"))
    }

    /// Socket.IO: waits for the event `name` and returns its data.
    pub(crate) fn recv_event(
        &self,
        connection: &Connection,
        name: &str,
        wait: Wait,
    ) -> Fallible<Dynamic> {
        self.speaking(connection, "socketio", "recv_event")?;
        let what = format!("the event {name:?}");
        let event = self.wait_for(connection, "recv_event", &what, wait, &|d| {
            d.value.get("event").and_then(Value::as_str) == Some(name)
        })?;
        dynamic(event.value.get("data"))
    }

    /// GraphQL: starts a subscription (or a query, or a mutation); its id.
    pub(crate) fn subscribe(
        &self,
        connection: &Connection,
        query: &str,
        variables: Option<Dynamic>,
    ) -> Fallible<String> {
        self.speaking(connection, "graphql", "subscribe")?;
        let variables = variables.map(|v| json(&v, "subscribe")).transpose()?;
        let id = connection.next_id().to_string();
        let flavor = graphql::Flavor::of(connection.subprotocol());
        self.send_frame(
            connection,
            graphql::subscribe(flavor, &id, query, variables),
        )?;
        Ok(id)
    }

    /// GraphQL: the next result of subscription `id` (its payload), or
    /// `()` once the server completed it; an error result is thrown.
    pub(crate) fn next_result(
        &self,
        connection: &Connection,
        id: &str,
        wait: Wait,
    ) -> Fallible<Dynamic> {
        self.speaking(connection, "graphql", "next_result")?;
        let what = format!("a result of subscription {id}");
        let result = self.wait_for(connection, "next_result", &what, wait, &|d| {
            d.value.get("id").and_then(Value::as_str) == Some(id)
        })?;
        let payload = result.value.get("payload");
        match result.value.get("type").and_then(Value::as_str) {
            Some("complete") => Ok(Dynamic::UNIT),
            Some("error") => Err(runtime(format!(
                "next_result: subscription {id} failed: {}",
                payload.unwrap_or(&Value::Null)
            ))),
            _ => dynamic(payload),
        }
    }

    /// GraphQL: stops subscription `id`.
    pub(crate) fn complete(&self, connection: &Connection, id: &str) -> Fallible<()> {
        self.speaking(connection, "graphql", "complete")?;
        let flavor = graphql::Flavor::of(connection.subprotocol());
        self.send_frame(connection, graphql::complete(flavor, id))
    }

    /// GraphQL: a query (or a mutation) with one result: its payload,
    /// once the server has completed it.
    pub(crate) fn query(
        &self,
        connection: &Connection,
        query: &str,
        variables: Option<Dynamic>,
        wait: Wait,
    ) -> Fallible<Dynamic> {
        let id = self.subscribe(connection, query, variables)?;
        let result = self.next_result(connection, &id, wait)?;
        if !result.is_unit() {
            // The complete that ends it; a server that never sends one
            // leaves it queued, harmless.
            let _ = self.next_result(connection, &id, wait);
        }
        Ok(result)
    }

    /// STOMP: subscribes to `destination` with the `ack` mode; the
    /// subscription's id.
    pub(crate) fn stomp_subscribe(
        &self,
        connection: &Connection,
        destination: &str,
        ack: &str,
    ) -> Fallible<String> {
        self.speaking(connection, "stomp", "stomp_subscribe")?;
        if !matches!(ack, "auto" | "client" | "client-individual") {
            return Err(runtime(format!(
                "stomp_subscribe: the ack mode {ack:?} is not one of auto, client, client-individual"
            )));
        }
        let id = format!("sub-{}", connection.next_id());
        self.send_frame(connection, stomp::subscribe(&id, destination, ack))?;
        Ok(id)
    }

    /// STOMP: sends `body` to `destination`, with extra headers.
    pub(crate) fn stomp_send(
        &self,
        connection: &Connection,
        destination: &str,
        body: &str,
        headers: rhai::Map,
    ) -> Fallible<()> {
        self.speaking(connection, "stomp", "stomp_send")?;
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        self.send_frame(connection, stomp::send(destination, body, &headers))
    }

    /// STOMP: acknowledges a MESSAGE that `recv` returned.
    pub(crate) fn ack(&self, connection: &Connection, message: Dynamic) -> Fallible<()> {
        self.speaking(connection, "stomp", "ack")?;
        let frame =
            stomp::ack(&json(&message, "ack")?).map_err(|why| runtime(format!("ack: {why}")))?;
        self.send_frame(connection, frame)
    }

    /// JSON-RPC: calls `method` and returns its result; an error reply is
    /// thrown with its code and message.
    pub(crate) fn rpc(
        &self,
        connection: &Connection,
        method: &str,
        params: Option<Dynamic>,
        wait: Wait,
    ) -> Fallible<Dynamic> {
        self.speaking(connection, "jsonrpc", "rpc")?;
        let params = params.map(|p| json(&p, "rpc")).transpose()?;
        let id = connection.next_id();
        self.send_frame(connection, jsonrpc::request(id, method, params))?;
        let what = format!("the reply to {method} (id {id})");
        let reply = self.wait_for(connection, "rpc", &what, wait, &|d| {
            d.value.get("id").and_then(Value::as_u64) == Some(id)
        })?;
        if let Some(error) = reply.value.get("error") {
            let code = error.get("code").map_or("?".into(), Value::to_string);
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            let data = error
                .get("data")
                .map_or(String::new(), |data| format!(" ({data})"));
            return Err(runtime(format!(
                "rpc {method}: the server answered with error {code}: {message}{data}"
            )));
        }
        dynamic(reply.value.get("result"))
    }

    /// JSON-RPC: sends a notification (no reply comes).
    pub(crate) fn rpc_notify(
        &self,
        connection: &Connection,
        method: &str,
        params: Option<Dynamic>,
    ) -> Fallible<()> {
        self.speaking(connection, "jsonrpc", "rpc_notify")?;
        let params = params.map(|p| json(&p, "rpc_notify")).transpose()?;
        self.send_frame(connection, jsonrpc::notification(method, params))
    }
}

/// A Rhai value as JSON, for `function`'s sentence when it cannot be.
fn json(value: &Dynamic, function: &str) -> Fallible<Value> {
    super::super::limits::check_depth(value, function).map_err(runtime)?;
    super::super::json::to_value(value).map_err(runtime)
}

/// A JSON value as a Rhai value (`()` for none).
fn dynamic(value: Option<&Value>) -> Fallible<Dynamic> {
    match value {
        None | Some(Value::Null) => Ok(Dynamic::UNIT),
        Some(value) => rhai::serde::to_dynamic(value).map_err(|e| runtime(e.to_string())),
    }
}

/// The namespace of a Socket.IO connection: its URL's path.
fn namespace(connection: &Connection) -> String {
    let url = connection.url();
    socketio::namespace_of(&url[crate::connection::url::path_start(url)..])
}
