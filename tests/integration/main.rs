//! Integration tests: the client, poller and CLI against the API simulator over
//! loopback. One test binary (the modules below) so the crate links once.

mod cli_status;
mod client;
mod e2e;
mod history;
mod launch;
mod oauth;
mod keyring;
mod poller;
mod scale;
mod untrusted;
mod support;
mod tls;
