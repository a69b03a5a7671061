#!/usr/bin/env python3
"""Boots the test machine's kernel with a real initrd (dracut's) and a root disk, and drives the
boot from the serial console like a person: waits for text, types, plugs tokens in.

    boot-vm.py --kernel F --initrd F --append CMDLINE --disk IMG... --run-dir DIR
               --script FILE [--tokens DIR] [--ykemu PATH] [--timeout S]

The script has one step a line (blank lines and # comments are skipped):
  plug NAME                 plug token NAME in (ykemu options in TOKENS/NAME.args), as
                            tests/vm/run-vm.py does: QEMU usb-ccid + ccid-card-passthru
  unplug NAME               pull it out
  wait TEXT...              wait until the console shows TEXT (after what earlier waits matched)
  sleep S                   let S seconds pass
  type TEXT...              type TEXT and Enter on the serial console
  mark NAME                 remember the time as NAME (printed at the end)
  pass NAME                 one check passed (printed as YKVM-PASS NAME)
  absent TEXT...            at the end: the console must not show TEXT
The run passes when every step was done and QEMU powered off by itself. Exit 0 pass, 1 fail,
77 no QEMU here.
"""
import argparse
import importlib.util
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("run_vm", os.path.join(HERE, "run-vm.py"))
run_vm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_vm)


class Boot:
    def __init__(self, opts):
        self.opts = opts
        self.dir = os.path.abspath(opts.run_dir)
        self.tokens = os.path.abspath(opts.tokens or os.path.join(self.dir, "tokens"))
        self.ykemu = opts.ykemu
        self.tok = {}
        self.t0 = time.monotonic()
        self.console = ""      # everything the guest printed
        self.pos = 0           # where the next wait starts looking
        self.marks = {}
        self.gone = False      # QEMU's output ended

    def log(self, msg):
        print("[%6.2f] boot-vm: %s" % (time.monotonic() - self.t0, msg), flush=True)

    def argv(self):
        a = ["qemu-system-x86_64", "-accel", "tcg", "-m", "1024", "-smp", "1",
             "-display", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none",
             "-no-reboot", "-kernel", self.opts.kernel, "-initrd", self.opts.initrd,
             "-append", self.opts.append,
             "-qmp", "unix:%s,server=on,wait=off" % os.path.join(self.dir, "qmp.sock"),
             "-device", "qemu-xhci,id=xhci"]
        for d in self.opts.disk:
            a += ["-drive", "file=%s,if=virtio,format=raw,cache=unsafe" % d]
        return a

    def pump(self, timeout):
        """Reads console output for up to `timeout` s; False once QEMU is gone."""
        end = time.monotonic() + timeout
        while not self.gone:
            try:
                chunk = self.out.get(timeout=max(0.0, min(0.1, end - time.monotonic())))
            except queue.Empty:
                chunk = ""
            if chunk is None:
                self.gone = True
                break
            if chunk:
                self.console += chunk
                self.log_file.write(chunk)
                self.log_file.flush()
                sys.stdout.write(chunk)
                sys.stdout.flush()
            if time.monotonic() >= end:
                return True
        return False

    def step(self, words, deadline):
        kind, rest = words[0], " ".join(words[1:])
        if kind in ("plug", "unplug"):
            if rest not in self.tok:
                self.tok[rest] = run_vm.Token(self, rest)
            self.log("%s %s" % (kind, rest))
            getattr(self.tok[rest], kind)(self.qmp)
        elif kind == "wait":
            while rest not in self.console[self.pos:]:
                if time.monotonic() > deadline:
                    raise RuntimeError("timeout waiting for %r" % rest)
                # QEMU may print the text and exit within one pump: look before failing
                if not self.pump(0.2) and rest not in self.console[self.pos:]:
                    raise RuntimeError("QEMU exited while waiting for %r" % rest)
            self.pos = self.console.index(rest, self.pos) + len(rest)
            self.log("saw %r" % rest)
        elif kind == "sleep":
            self.pump(float(rest))
        elif kind == "type":
            self.log("type %r" % rest)
            for ch in rest + "\r":  # a slow typist: the guest's tty is read under TCG
                self.qemu.stdin.write(ch.encode())
                self.qemu.stdin.flush()
                self.pump(0.02)
        elif kind == "mark":
            self.marks[rest] = time.monotonic() - self.t0
        elif kind == "pass":
            print("YKVM-PASS %s" % rest, flush=True)
        elif kind == "absent":
            self.absent.append(rest)
        else:
            raise RuntimeError("unknown step %r" % kind)

    def run(self, steps):
        self.absent = []
        self.log_file = open(os.path.join(self.dir, "console.log"), "w")
        self.qemu = subprocess.Popen(self.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = queue.Queue()

        def reader():
            while True:
                data = os.read(self.qemu.stdout.fileno(), 4096)
                if not data:
                    break
                self.out.put(data.decode("utf-8", "replace").replace("\r", ""))
            self.out.put(None)

        threading.Thread(target=reader, daemon=True).start()
        deadline = self.t0 + self.opts.timeout
        self.qmp = run_vm.Qmp(os.path.join(self.dir, "qmp.sock"), time.monotonic() + 10)
        ok = False
        try:
            for words in steps:
                self.step(words, deadline)
            while self.pump(0.5):  # the root's init powers off
                if time.monotonic() > deadline:
                    raise RuntimeError("the guest did not power off within %d s" % self.opts.timeout)
            ok = True
        except Exception as e:
            self.log("FAIL: %s" % e)
        finally:
            if self.qemu.poll() is None:
                self.qemu.kill()
            self.qemu.wait()
            for t in self.tok.values():
                t.stop()
            self.log_file.close()
        for text in self.absent:
            if text in self.console:
                self.log("FAIL: the console shows %r" % text)
                ok = False
        for name, t in sorted(self.marks.items(), key=lambda kv: kv[1]):
            self.log("%s at %.1f s" % (name, t))
        self.log("total %.1f s: %s" % (time.monotonic() - self.t0, "pass" if ok else "FAIL"))
        return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--append", required=True)
    p.add_argument("--disk", action="append", default=[])
    p.add_argument("--run-dir", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--tokens")
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--ykemu", default=os.environ.get("YKEMU", "ykemu"))
    opts = p.parse_args()
    if not shutil.which("qemu-system-x86_64"):
        print("SKIP: qemu-system-x86_64 is not installed (Debian package qemu-system-x86)")
        return 77
    steps = []
    with open(opts.script) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                steps.append(line.split())
    os.makedirs(opts.run_dir, exist_ok=True)
    return 0 if Boot(opts).run(steps) else 1


if __name__ == "__main__":
    sys.exit(main())
