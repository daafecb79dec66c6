//! HTTPS as a company network serves it: a TLS front (socat) before the simulator,
//! with a certificate from a certificate authority made here, like a TLS-inspecting
//! proxy's. Trusted when the platform's store holds that CA (`SSL_CERT_FILE`),
//! refused in words otherwise; `HTTPS_PROXY` and `NO_PROXY` are honoured.

use crate::support::{heygen_tray, sim, stderr, stdout};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl (scripts/install-system-deps.sh installs it)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA (`ca.pem`) and a certificate it signed for localhost (`leaf.pem`, `leaf.key`).
fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        dir,
        &[&["req", "-x509"][..], &ec, &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test Corp Inspecting CA"]]
            .concat(),
    );
    openssl(dir, &[&["req"][..], &ec, &["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]].concat());
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "nothing listens on {port} after 10 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An HTTPS front for the simulator; ended when dropped.
struct Front {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Front {
    fn start(sim_base: &str) -> Front {
        let dir = tempfile::tempdir().unwrap();
        certificates(dir.path());
        let port = free_port();
        let target = sim_base.trim_start_matches("http://");
        let child = Command::new("socat")
            .arg(format!("OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert=leaf.pem,key=leaf.key,verify=0"))
            .arg(format!("TCP:{target}"))
            .current_dir(dir.path())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat (scripts/install-system-deps.sh installs it)");
        wait_port(port);
        Front { child, port, dir }
    }

    fn base(&self) -> String {
        // An address, not `localhost`: a minimal root may have no /etc/hosts to resolve it.
        format!("https://127.0.0.1:{}", self.port)
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status(base: &str, env: &[(&str, &str)]) -> Value {
    let mut all = vec![("HEYGEN_API_KEY", "sim-wallet-key")];
    all.extend_from_slice(env);
    let out = heygen_tray(base, &all, &["status", "--json"]);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&out), stderr(&out)))
}

#[test]
fn a_ca_in_the_platform_store_is_trusted_and_an_unknown_one_refused_in_words() {
    let sim = sim();
    let front = Front::start(&sim.base_url());
    let ca = front.ca();
    let v = status(&front.base(), &[("SSL_CERT_FILE", ca.to_str().unwrap())]);
    assert_eq!(v["accounts"][0]["headline"], "$42.50", "{v}");

    let v = status(&front.base(), &[]);
    let e = &v["accounts"][0]["error"];
    assert_eq!(e["kind"], "network", "{v}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("The certificate of 127.0.0.1 is not trusted by this computer"), "{message}");
    assert!(message.contains("SSL_CERT_FILE") && message.contains("update-ca-certificates"), "{message}");
}

/// A CONNECT proxy on loopback that records the targets it was asked for.
fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                log.lock().unwrap().push(first.trim().to_string());
                let target = first.split_whitespace().nth(1).unwrap_or_default().replace("localhost", "127.0.0.1");
                let Ok(upstream) = TcpStream::connect(target) else { return };
                let mut client = client;
                client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
                let (mut up_r, mut up_w) = (upstream.try_clone().unwrap(), upstream);
                let mut client_w = client.try_clone().unwrap();
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut reader, &mut up_w);
                });
                let _ = std::io::copy(&mut up_r, &mut client_w);
            });
        }
    });
    (port, seen)
}

#[test]
fn https_goes_through_https_proxy_unless_no_proxy_names_the_host() {
    let sim = sim();
    let front = Front::start(&sim.base_url());
    let ca = front.ca();
    let (port, seen) = connect_proxy();
    let proxy = format!("http://127.0.0.1:{port}");
    let v = status(&front.base(), &[("SSL_CERT_FILE", ca.to_str().unwrap()), ("HTTPS_PROXY", &proxy)]);
    assert_eq!(v["accounts"][0]["headline"], "$42.50", "{v}");
    assert_eq!(seen.lock().unwrap().as_slice(), [format!("CONNECT 127.0.0.1:{} HTTP/1.1", front.port)]);

    let v =
        status(&front.base(), &[("SSL_CERT_FILE", ca.to_str().unwrap()), ("https_proxy", &proxy), ("NO_PROXY", "example.com,127.0.0.1")]);
    assert_eq!(v["accounts"][0]["headline"], "$42.50", "{v}");
    assert_eq!(seen.lock().unwrap().len(), 1, "NO_PROXY: the proxy was not asked again");
}
