//! Helpers shared by the command-line test files: run the binary, parse its JSON, check
//! a failure's message, and a per-process temporary folder.
#![allow(dead_code, reason = "each test module uses a different subset")]

use assert_cmd::Command;
use serde_json::Value;

/// The `chaoslab` binary under test.
pub fn chaoslab() -> Command {
    Command::cargo_bin("chaoslab").expect("binary is built")
}

/// Runs `args`, asserts success and parses stdout as one JSON object.
pub fn json(args: &[&str]) -> Value {
    let out = chaoslab().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

/// Runs `args`, asserts a non-zero exit, a stderr containing `needle`, and no panic.
pub fn fails_with(args: &[&str], needle: &str) {
    let out = chaoslab().args(args).output().expect("runs");
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} lacks {needle:?}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// A path in this test process's own temporary folder.
pub fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chaoslab-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}
