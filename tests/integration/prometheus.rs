//! The real engine: Debian's `prometheus` scrapes `heygen-tray watch --listen` (with the
//! token file, through the scrape config users copy from docs/prometheus/) running
//! against the simulator, and the example rules go to firing when the balance falls.

use crate::support::{sim, stdout, unique};
use crate::watch::{listening, wallet, Server};
use heygen_tray_sim::accounts::Auth;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

fn docs(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/prometheus").join(file)
}

struct Prometheus {
    child: Child,
    addr: String,
    log: tempfile::NamedTempFile,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- prometheus log ---\n{}", std::fs::read_to_string(self.log.path()).unwrap_or_default());
        }
    }
}

impl Prometheus {
    /// GET on Prometheus's HTTP API, as JSON.
    fn api(&self, path_and_query: &str) -> Value {
        let out = Command::new("curl").args(["-s", "--max-time", "5", &format!("http://{}{path_and_query}", self.addr)]).output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// Waits until `check` gives a value, polling every 250 ms.
    fn wait<T>(&self, what: &str, mut check: impl FnMut(&Prometheus) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = check(self) {
                return v;
            }
            assert!(start.elapsed() < TIMEOUT, "timed out after {TIMEOUT:?} waiting for {what}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn prometheus_scrapes_the_watch_with_its_token_and_the_low_rule_fires() {
    let promtool = Command::new("promtool").args(["check", "rules"]).arg(docs("heygen.rules.yml")).output();
    let promtool = promtool.expect("promtool is missing: install Debian's prometheus (scripts/install-system-deps.sh does)");
    assert!(promtool.status.success(), "{}", String::from_utf8_lossy(&promtool.stdout));

    let sim = sim();
    let server = Server::new(&sim.base_url());
    let name = unique("prom");
    let key = format!("hg_prom_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet(50.0));
    std::fs::write(server.credentials.join(&name), &key).unwrap();
    server.settings(|s| {
        let mut a = heygen_tray_core::settings::Account::new(&name, heygen_tray_core::settings::AuthKind::ApiKey);
        a.thresholds.low = Some(20.0);
        a.thresholds.critical = Some(5.0);
        s.accounts.push(a);
    });
    let w = server.watch(&["--listen", "127.0.0.1:0"]);
    let target = listening(&w);
    w.wait_log(&format!("{name}: $50.00 left"), 1);
    let token_file = stdout(&server.run(&["token", "--path"])).trim().to_string();
    assert_eq!(stdout(&server.run(&["token"])).trim().len(), 64, "the token is made");

    // The scrape config as users copy it, with this test's target, token and a quick pace.
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(docs("prometheus.yml"))
        .unwrap()
        .replace("/home/USER/.local/state/heygen-tray/api-token", &token_file)
        .replace("127.0.0.1:9877", &target)
        .replace("60s", "1s")
        .replace("- heygen.rules.yml", &format!("- {}", docs("heygen.rules.yml").display()));
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).unwrap();
    let check = Command::new("promtool").args(["check", "config"]).arg(&config_path).output().unwrap();
    assert!(check.status.success(), "{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    let addr = format!("127.0.0.1:{}", free_port());
    let log = tempfile::NamedTempFile::new().unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address={addr}"))
        .stdin(Stdio::null())
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let prom = Prometheus { child, addr, log };
    prom.wait("Prometheus to be ready", |p| (p.api("/api/v1/status/buildinfo")["status"] == "success").then_some(()));

    let value = |p: &Prometheus, query: &str| -> Option<f64> {
        let v = p.api(&format!("/api/v1/query?query={query}"));
        v["data"]["result"][0]["value"][1].as_str().and_then(|s| s.parse().ok())
    };
    let remaining = format!("heygen_remaining%7Baccount%3D%22{name}%22%7D");
    prom.wait("the scraped heygen_remaining to equal the simulator's $50", |p| (value(p, &remaining) == Some(50.0)).then_some(()));
    let targets = prom.api("/api/v1/targets");
    assert_eq!(targets["data"]["activeTargets"][0]["health"], "up", "{targets}");
    let firing = |p: &Prometheus| -> Vec<(String, String)> {
        let alerts = p.api("/api/v1/alerts");
        let list = alerts["data"]["alerts"].as_array().cloned().unwrap_or_default();
        list.iter()
            .filter(|a| a["state"] == "firing")
            .map(|a| {
                (a["labels"]["alertname"].as_str().unwrap_or("").to_string(), a["labels"]["account"].as_str().unwrap_or("").to_string())
            })
            .collect()
    };
    assert!(firing(&prom).is_empty(), "nothing fires at $50: {:?}", firing(&prom));

    // The balance falls below low: after the next poll the scrape and the rule follow.
    sim.set_profile(&name, wallet(15.0));
    w.signal(libc::SIGUSR1);
    w.wait_log(&format!("{name}: $15.00 left · low"), 1);
    prom.wait("heygen_remaining to follow the fall to $15", |p| (value(p, &remaining) == Some(15.0)).then_some(()));
    prom.wait("HeyGenBalanceLow to fire", |p| firing(p).contains(&("HeyGenBalanceLow".to_string(), name.clone())).then_some(()));
    assert_eq!(value(&prom, &format!("heygen_spent_total%7Baccount%3D%22{name}%22%7D")), Some(35.0), "spent $35 by the history");
}
