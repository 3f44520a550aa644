//! Embeds a `ws` console in another program: starts the built-in echo
//! server, opens a session on it, registers a Rust function for Rhai and
//! runs a script that uses it.
//!
//! Run with: `cargo run --example embed`

fn main() -> ws::Result<()> {
    let server = ws::EchoServer::start()?;
    let mut session = ws::Session::builder().url(server.url()).build()?;

    // A host function: Rhai code calls it like any other.
    session.engine_mut().register_fn("signed", |text: &str| {
        format!("{text} (signed by the host)")
    });

    let script = r#"
        text(signed("hello"));
        let echo = recv();
        print(`the server echoed: ${echo}`);
        if !echo.contains("signed by the host") { exit(1) }
    "#;
    session.run_script("embedded", script)?;
    session.close_all(1000);
    Ok(())
}
