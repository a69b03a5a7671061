#!/usr/bin/env python3
"""Runs one scenario in the test machine and reports what it printed.

    run-vm.py --guest DIR --scenario FILE --run-dir DIR [--timeout S] [--ykemu PATH]

A scenario is a bash file with up to three functions (tests/vm/scenarios/*.sh):
  host_prepare   runs on the host before the boot; may fill $VM_WORK (becomes /work in the
                 guest), add raw disks $VM_DISKS/vdb.img, vdc.img... and describe tokens in
                 $VM_TOKENS/NAME.args (ykemu options, one per line or space separated)
  guest_main     runs inside the guest (busybox sh, with tests/vm/guest-lib.sh)
  host_check     runs on the host after the guest powered off

The guest talks to the runner through lines on the serial console:
  YKVM-PLUG NAME [DELAY]        plug token NAME in (after DELAY seconds)
  YKVM-UNPLUG NAME [DELAY|challenge]
                                pull it out (after DELAY s, or once the guest has sent it an
                                HMAC challenge, i.e. while a touch is awaited)
  YKVM-PASS NAME / YKVM-FAIL NAME REASON / YKVM-EXIT RC
The run passes when the guest exited 0, printed at least one PASS and no FAIL, and host_check
passed. Exit codes: 0 pass, 1 fail, 77 cannot run here (no QEMU).

A scenario that boots something else than the test machine's own initramfs (a real initrd into
a real root, tests/vm/scenarios/boot-*.sh) writes in host_prepare:
  $VM_RUN_DIR/boot/vmlinuz, initrd.img, cmdline   what QEMU boots instead
  $VM_RUN_DIR/expect   rules for the console, one per line: PATTERN<TAB>ACTION [ARGS]; each fires
                       once, the first time PATTERN shows up (also in a line not ended yet, such
                       as a prompt); the N-th rule of a PATTERN fires at its N-th showing (a
                       prompt asked again). ACTION: plug NAME [DELAY], unplug NAME [DELAY], type FILE
                       (its first line and Enter on the serial console), pass NAME, fail NAME
"""
import argparse
import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = re.compile(r"YKVM-([A-Z]+)(?: (.*))?$")


class Qmp:
    """A minimal QMP client: one command at a time, events kept for wait_event()."""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        # Lines are buffered here, not by a makefile() object: once a read of that object
        # has timed out (wait_event's 0.2 s, under load) it refuses every later read
        # ("cannot read from timed out object"), and the next plug or unplug failed.
        self.buf = b""
        self.events = []
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        """One message; socket.timeout (no whole line yet) leaves what came in the buffer."""
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"].get("desc")))
            else:
                return reply.get("return")

    def wait_event(self, name, device, timeout):
        end = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        try:
            while time.monotonic() < end:
                for e in self.events:
                    if e["event"] == name and e.get("data", {}).get("device") == device:
                        self.events.remove(e)
                        return True
                try:
                    self.events.append(self._read())
                except (socket.timeout, TimeoutError):
                    pass
        finally:
            self.sock.settimeout(None)
        return False


class Token:
    """One ykemu --vscard process behind a QEMU usb-ccid reader."""

    def __init__(self, run, name):
        self.run, self.name = run, name
        self.proc = None
        self.log = os.path.join(run.dir, "ykemu-%s.log" % name)
        self.sock = os.path.join(run.dir, "vsc-%s.sock" % name)
        with open(os.path.join(run.tokens, name + ".args")) as f:
            self.args = shlex.split(f.read())

    def log_has(self, text, offset=0):
        try:
            with open(self.log) as f:
                f.seek(offset)
                return text in f.read()
        except OSError:
            return False

    def log_size(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def wait_log(self, text, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.log_has(text):
                return True
            if self.proc.poll() is not None:
                return self.log_has(text)
            time.sleep(0.05)
        return False

    def plug(self, qmp):
        if self.proc:
            raise RuntimeError("token %s is already plugged in" % self.name)
        qmp.cmd("chardev-add", id="vsc-" + self.name, backend={"type": "socket", "data": {
            "addr": {"type": "unix", "data": {"path": self.sock}}, "server": True, "wait": False}})
        log = open(self.log, "a")
        self.proc = subprocess.Popen([self.run.ykemu, "--vscard", self.sock] + self.args,
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        if not self.wait_log("connected", 5):
            raise RuntimeError("ykemu %s did not connect: %s" % (self.name, self.tail()))
        qmp.cmd("device_add", driver="usb-ccid", id="ccid-" + self.name, bus="xhci.0")
        qmp.cmd("device_add", driver="ccid-card-passthru", id="card-" + self.name,
                chardev="vsc-" + self.name, bus="ccid-%s.0" % self.name)
        if not self.wait_log("ATR sent", 5):
            raise RuntimeError("token %s: no ATR exchange: %s" % (self.name, self.tail()))

    def unplug(self, qmp):
        if not self.proc:
            raise RuntimeError("token %s is not plugged in" % self.name)
        qmp.cmd("device_del", id="ccid-" + self.name)
        if not qmp.wait_event("DEVICE_DELETED", "ccid-" + self.name, 10):
            raise RuntimeError("QEMU did not remove ccid-%s" % self.name)
        self.stop()
        qmp.cmd("chardev-remove", id="vsc-" + self.name)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tail(self):
        try:
            with open(self.log) as f:
                return " | ".join(f.read().splitlines()[-5:])
        except OSError:
            return "(no log)"


class Run:
    def __init__(self, opts):
        self.opts = opts
        self.dir = os.path.abspath(opts.run_dir)
        self.work = os.path.join(self.dir, "work")
        self.disks = os.path.join(self.dir, "disks")
        self.tokens = os.path.join(self.dir, "tokens")
        self.ykemu = opts.ykemu
        self.tok = {}
        self.passed, self.failed = [], []
        self.exit_code = None
        self.t0 = time.monotonic()
        self.times = {}
        self.rules = []
        self.shown = {}  # PATTERN: how many times it showed in complete lines

    def log(self, msg):
        print("[%6.2f] run-vm: %s" % (time.monotonic() - self.t0, msg), flush=True)

    def host_step(self, func):
        """Runs host_prepare or host_check of the scenario in bash, if it defines it."""
        env = dict(os.environ, VM_WORK=self.work, VM_DISKS=self.disks, VM_TOKENS=self.tokens,
                   VM_RUN_DIR=self.dir, VM_LIB=HERE)
        script = ('set -euo pipefail; . "$VM_LIB/host-lib.sh"; . "$1"; '
                  'if declare -F %s >/dev/null; then %s; fi' % (func, func))
        r = subprocess.run(["bash", "-c", script, "bash", self.opts.scenario], env=env)
        return r.returncode == 0

    def prepare(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        for d in (self.work, self.disks, self.tokens):
            os.makedirs(d)
        if not self.host_step("host_prepare"):
            raise RuntimeError("host_prepare failed")
        os.makedirs(os.path.join(self.work, "ykvm"))
        shutil.copy(os.path.join(HERE, "guest-lib.sh"), os.path.join(self.work, "ykvm"))
        shutil.copy(self.opts.scenario, os.path.join(self.work, "ykvm", "scenario.sh"))
        with open(os.path.join(self.work, "run.sh"), "w") as f:
            f.write(". /work/ykvm/guest-lib.sh\n. /work/ykvm/scenario.sh\nvm_run guest_main\n")
        # The work disk: what the host prepared plus room for the guest's own files.
        used = sum(os.path.getsize(os.path.join(r, n)) for r, _, ns in os.walk(self.work) for n in ns)
        size_mb = used // (1 << 20) + self.opts.work_mb
        img = os.path.join(self.dir, "work.img")
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "ykvm-work", "-d", self.work,
                        img, "%dM" % size_mb], check=True, stdout=subprocess.DEVNULL)
        self.disk_images = [img] + sorted(
            os.path.join(self.disks, n) for n in os.listdir(self.disks) if n.endswith(".img"))
        self.load_rules()

    def load_rules(self):
        path = os.path.join(self.dir, "expect")
        if not os.path.exists(path):
            return
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line and not line.startswith("#"):
                    pattern, action = line.split("\t", 1)
                    nth = 1 + sum(1 for r in self.rules if r[0] == pattern)
                    self.rules.append((pattern, action.split(), nth))

    def boot_files(self):
        """The kernel, initrd and command line: the scenario's own, or the test machine's."""
        boot = os.path.join(self.dir, "boot")
        if os.path.isdir(boot):
            with open(os.path.join(boot, "cmdline")) as f:
                cmdline = f.read().strip()
            return os.path.join(boot, "vmlinuz"), os.path.join(boot, "initrd.img"), cmdline
        g = self.opts.guest
        return (os.path.join(g, "vmlinuz"), os.path.join(g, "initrd.img"),
                "console=ttyS0 quiet loglevel=3 panic=-1")

    def qemu_argv(self):
        kernel, initrd, cmdline = self.boot_files()
        # YKVM_SMP: more vCPUs for a measurement (bench/plug-insertion); TCG then runs one
        # host thread per vCPU (MTTCG). The tests keep 1.
        smp = os.environ.get("YKVM_SMP", "1")
        accel = "tcg" if smp == "1" else "tcg,thread=multi"
        # YKVM_MEM (MiB): more RAM for bench/remote-throughput.
        argv = ["qemu-system-x86_64", "-accel", accel, "-m", os.environ.get("YKVM_MEM", "1024"), "-smp", smp,
                "-display", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none",
                "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append", cmdline,
                "-qmp", "unix:%s,server=on,wait=off" % os.path.join(self.dir, "qmp.sock"),
                "-device", "qemu-xhci,id=xhci"]
        for img in self.disk_images:
            argv += ["-drive", "file=%s,if=virtio,format=raw,cache=unsafe" % img]
        return argv

    def on_marker(self, kind, rest, actions):
        rest = (rest or "").strip()
        if kind == "PASS":
            self.passed.append(rest)
        elif kind == "FAIL":
            self.failed.append(rest)
        elif kind == "EXIT":
            self.exit_code = int(rest) if rest.lstrip("-").isdigit() else -1
        elif kind in ("BOOT", "READY"):
            self.times[kind.lower()] = time.monotonic() - self.t_qemu
        elif kind in ("PLUG", "UNPLUG"):
            words = rest.split()
            name, when = words[0], (words[1] if len(words) > 1 else "0")
            if name not in self.tok:
                self.tok[name] = Token(self, name)
            if when == "challenge":
                actions.append((None, kind, name, self.tok[name].log_size()))
            else:
                actions.append((time.monotonic() + float(when), kind, name, 0))

    def on_console(self, text, actions, qemu, partial=False):
        """Fires the expect rules whose pattern shows up in text (a line, or a prompt: partial)."""
        due = [r for r in self.rules if self.shown.get(r[0], 0) + text.count(r[0]) >= r[2]]
        if not partial:
            for pattern in {r[0] for r in self.rules}:
                self.shown[pattern] = self.shown.get(pattern, 0) + text.count(pattern)
        for rule in due:
            self.rules.remove(rule)
            act = rule[1]
            self.log("console showed %r: %s" % (rule[0], " ".join(act)))
            if act[0] in ("plug", "unplug"):
                self.on_marker(act[0].upper(), " ".join(act[1:]), actions)
            elif act[0] == "pass":
                self.passed.append(act[1])
            elif act[0] == "fail":
                self.failed.append("%s (console showed %r)" % (act[1], rule[0]))
            elif act[0] == "type":
                with open(os.path.join(self.dir, act[1]), "rb") as f:
                    qemu.stdin.write(f.read().splitlines()[0] + b"\r")
                qemu.stdin.flush()

    def action_due(self, action):
        at, _, name, offset = action
        if at is None:
            t = self.tok[name]
            return t.proc is not None and t.log_has("challenge slot", offset)
        return time.monotonic() >= at

    def boot(self):
        console = open(os.path.join(self.dir, "console.log"), "w")
        self.t_qemu = time.monotonic()
        self.log("QEMU starts")  # bench/boot measures from here
        qemu = subprocess.Popen(self.qemu_argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        lines = queue.Queue()

        # Whole lines, and what there is of a line not ended yet (a prompt) as ("partial", text).
        def reader():
            buf = b""
            while True:
                chunk = os.read(qemu.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                *done, buf = buf.split(b"\n")
                for raw in done:
                    lines.put(raw.decode("utf-8", "replace").rstrip("\r"))
                if buf:
                    lines.put(("partial", buf.decode("utf-8", "replace")))
            if buf:
                lines.put(buf.decode("utf-8", "replace"))
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()
        deadline = self.t_qemu + self.opts.timeout  # host_prepare's time is not counted
        qmp = Qmp(os.path.join(self.dir, "qmp.sock"), time.monotonic() + 10)
        actions = []
        try:
            while True:
                if time.monotonic() > deadline:
                    self.failed.append("timeout after %d s" % self.opts.timeout)
                    break
                try:
                    line = lines.get(timeout=0.1)
                except queue.Empty:
                    line = ""
                if line is None:
                    break
                if isinstance(line, tuple):
                    self.on_console(line[1], actions, qemu, partial=True)
                    line = ""
                if line:
                    self.on_console(line, actions, qemu)
                    console.write(line + "\n")
                    console.flush()
                    print(line, flush=True)
                    m = MARKER.search(line)
                    if m:
                        self.on_marker(m.group(1), m.group(2), actions)
                for a in [a for a in actions if self.action_due(a)]:
                    actions.remove(a)
                    self.log("%s %s" % (a[1].lower(), a[2]))
                    try:
                        getattr(self.tok[a[2]], a[1].lower())(qmp)
                    except Exception as e:  # a failed plug is the scenario's failure
                        self.failed.append("%s %s: %s" % (a[1].lower(), a[2], e))
                        self.log("%s %s failed: %s" % (a[1].lower(), a[2], e))
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
            for t in self.tok.values():
                t.stop()
            console.close()

    def report(self):
        took = time.monotonic() - self.t0
        ok = self.exit_code == 0 and self.passed and not self.failed
        for name, t in self.tok.items():
            print("---- ykemu %s: %s" % (name, t.tail()))
        self.log("from QEMU start: %.1f s to the first marker, %.1f s to the scenario; total %.1f s" % (
            self.times.get("boot", -1), self.times.get("ready", -1), took))
        self.log("passed: %s" % (", ".join(self.passed) or "none"))
        if self.failed:
            self.log("failed: %s" % "; ".join(self.failed))
        if self.exit_code != 0:
            self.log("guest exit code: %s" % self.exit_code)
        return bool(ok)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--guest", required=True, help="directory with vmlinuz and initrd.img")
    p.add_argument("--scenario", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--work-mb", type=int, default=384, help="free room on the work disk")
    p.add_argument("--ykemu", default=os.environ.get("YKEMU", "ykemu"))
    opts = p.parse_args()
    if not shutil.which("qemu-system-x86_64"):
        print("SKIP: qemu-system-x86_64 is not installed (Debian package qemu-system-x86)")
        return 77
    run = Run(opts)
    try:
        run.prepare()
        run.boot()
    except Exception as e:
        run.failed.append(str(e))
        run.log("error: %s" % e)
    if not run.failed and run.exit_code == 0:
        if not run.host_step("host_check"):
            run.failed.append("host_check failed")
    return 0 if run.report() else 1


if __name__ == "__main__":
    sys.exit(main())
