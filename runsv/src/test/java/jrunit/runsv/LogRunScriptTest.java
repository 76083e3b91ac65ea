package jrunit.runsv;

import jrunit.common.Posix;
import jrunit.common.testing.Tools;
import jrunit.runsv.LogRunScript.AccountRequest;
import jrunit.runsv.LogRunScript.Plan;
import jrunit.runsv.PreparationStep.ChangeMode;
import jrunit.runsv.PreparationStep.ChangeOwner;
import jrunit.runsv.PreparationStep.InstallDirectories;
import jrunit.runsv.PreparationStep.MakeDirectories;
import jrunit.runsv.PreparationStep.Mode;
import jrunit.runsv.PreparationStep.UnlessDirectory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which log/run scripts runsv runs in-process (real scripts from Chef, GitLab, Debian, Void and jrunit's
 * own example) and which it leaves to a shell; the plan each gives; PATH resolution to jrunit's own
 * tools; and the preparation run on real directories.
 */
class LogRunScriptTest {
    @TempDir
    Path tmp;
    Path bin, logDir;
    String path;

    @BeforeEach
    void ourToolsFirstOnPath() throws Exception {
        bin = Tools.jrunitBinDir(tmp.resolve("bin"), "svlogd", "chpst");
        Files.createSymbolicLink(bin.resolve("setuidgid"), Path.of("chpst"));
        logDir = Files.createDirectories(tmp.resolve("service/log"));
        path = bin + ":/usr/bin:/bin";
    }

    private Plan plan(String script) {
        LogRunScript.Recognition r = LogRunScript.examine(bytes(script), logDir, path, bin);
        assertNotNull(r.plan(), () -> "not recognised: " + r.reason() + "\n" + script);
        return r.plan();
    }

    private String refusal(String script) {
        LogRunScript.Recognition r = LogRunScript.examine(bytes(script), logDir, path, bin);
        assertNull(r.plan(), () -> "recognised: " + r.plan() + "\n" + script);
        return r.reason();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Mode octal(String text) {
        return Mode.parse(text);
    }

    // ------------------------------------------------------------------ real scripts

    @Test
    void chef() {
        Plan p = plan("#!/bin/sh\nexec svlogd -tt /var/log/web\n");
        assertEquals(new Plan(List.of(), -1, -1, null, null, List.of("-tt", "/var/log/web")), p);
    }

    @Test
    void gitlabOmnibus() {
        assertEquals(List.of("/var/log/gitlab/nginx"), plan("#!/bin/sh\nexec svlogd /var/log/gitlab/nginx\n").svlogdArgs());
        Plan p = plan("#!/bin/sh\nexec chpst -P -U root:git -u root:git svlogd -tt /var/log/gitlab/gitaly\n");
        assertEquals(new AccountRequest("root:git", true), p.account());
        assertEquals(new AccountRequest("root:git", true), p.envAccount());
        assertEquals(List.of("-tt", "/var/log/gitlab/gitaly"), p.svlogdArgs());
    }

    @Test
    void debianDhRunit() {
        Plan p = plan("#!/bin/sh\nchown _runit-log:adm '/var/log/runit/ssh'\nchmod 750 '/var/log/runit/ssh'\n"
                + "exec chpst -u _runit-log svlogd -tt '/var/log/runit/ssh'\n");
        assertEquals(List.of(new ChangeOwner(false, "_runit-log:adm", List.of("/var/log/runit/ssh")),
                new ChangeMode(false, octal("750"), List.of("/var/log/runit/ssh"))), p.steps());
        assertEquals(new AccountRequest("_runit-log", true), p.account());
        assertNull(p.envAccount());
        assertEquals(List.of("-tt", "/var/log/runit/ssh"), p.svlogdArgs());
        assertFalse(p.errexitAt(0));
    }

    @Test
    void voidLinux() {
        Plan p = plan("#!/bin/sh\nexec chpst -u dnscrypt_proxy:dnscrypt_proxy svlogd -t /var/log/dnscrypt-proxy\n");
        assertEquals(new AccountRequest("dnscrypt_proxy:dnscrypt_proxy", true), p.account());
        assertEquals(List.of("-t", "/var/log/dnscrypt-proxy"), p.svlogdArgs());
    }

    @Test
    void jrunitsOwnExample() throws Exception {
        Path example = Path.of("..", "examples", "service", "hello", "log", "run");
        assumeTrue(Files.exists(example), "the example is beside the module");
        Plan p = plan(Files.readString(example));
        assertEquals(List.of(new MakeDirectories(true, null, List.of("./main"))), p.steps());
        assertEquals(List.of("-tt", "./main"), p.svlogdArgs());
    }

    // ------------------------------------------------------------------ near misses

    @ParameterizedTest
    @ValueSource(strings = {
        // Termux: a variable (and its own shell)
        "#!/data/data/com.termux/files/usr/bin/sh\nsvlogdir=\"$PREFIX/var/log/sv/x\"\nmkdir -p \"$svlogdir\"\nexec svlogd \"$svlogdir\"\n",
        "#!/bin/sh\nmkdir -p \"$svlogdir\"\nexec svlogd ./main\n",
        "#!/bin/sh\nexec svlogd -ttt /var/log/socklog/*\n", // socklog: a glob
        "#!/bin/sh\nexec vlogger -t web\n",
        "#!/bin/sh\nexec cat >> log\n",
        "#!/bin/sh\nexec mkdir -p ./main\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nsvlogd -tt ./main\n", // no exec
        "#!/bin/sh\nexec svlogd -tt ./main\nmkdir -p ./main\n", // svlogd not last
        "#!/bin/sh\necho starting\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nmkdir -p main; exec svlogd -tt ./main\n",
        "#!/bin/sh\nmkdir -p main && exec svlogd -tt ./main\n",
        "#!/bin/sh\ncd /var/log/web\nexec svlogd -tt .\n",
        "#!/bin/sh\n. /etc/default/web\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nif true; then mkdir x; fi\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nexec env LANG=C svlogd -tt ./main\n",
        "#!/bin/sh\nexec svlogd -tt ./main 2>&1\n",
        "#!/bin/sh\nexec 2>/dev/null\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nexec svlogd -tt `cat dir`\n",
        "#!/bin/sh\nexec svlogd -tt ~/log\n",
        "#!/bin/sh\nexec svlogd -tt ./main | cat\n",
        "#!/bin/sh\nexec svlogd -tt ./main &\n",
        "#!/bin/sh\nexec svlogd -tt ./ma\\in\n",
        "#!/bin/sh\nexec svlogd -tt './ma\\in'\n",
        "#!/bin/sh\nexec svlogd -tt './main\n'\n",
        "#!/bin/sh\nexec svlogd -tt ./main\r\n", // CRLF: sh would take the \r as part of the name
        "#!/bin/sh\nexec svlogd -tt ./log{1,2}\n",
        "#!/bin/sh\nmkdir -m u=rwx,go= ./main\nexec svlogd -tt ./main\n", // symbolic mode
        "#!/bin/sh\nchmod g+w ./main\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nmkdir -v ./main\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nmkdir ./main -p\nexec svlogd -tt ./main\n", // option after operand
        "#!/bin/sh\nchown -h nobody ./main\nexec svlogd -tt ./main\n",
        "#!/bin/sh\ninstall -m 750 ./main\nexec svlogd -tt ./main\n", // install without -d copies files
        "#!/bin/sh\n[ -d main ] && mkdir main\nexec svlogd -tt ./main\n",
        "#!/bin/sh\n[ -f main ] || mkdir main\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nset -x\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nset +e\nexec svlogd -tt ./main\n",
        "#!/bin/sh\nexec chpst -e ./env svlogd -tt ./main\n",
        "#!/bin/sh\nexec chpst -n 5 svlogd -tt ./main\n",
        "#!/bin/sh\nexec chpst -l lock svlogd -tt ./main\n",
        "#!/bin/sh\nexec chpst -uuser -v svlogd -tt ./main\n",
        "#!/bin/sh\nexec chpst -u\n",
        "#!/bin/sh\nexec chpst -u nobody setuidgid nobody svlogd -tt ./main\n",
        "#!/bin/sh\nexec setuidgid svlogd\n",
        "#!/bin/sh\nexec 2>&1\n",
        "#!/bin/sh\n",
        "exec svlogd -tt ./main\n", // no #! line: exec format error, as with runit
        "#!/bin/csh\nexec svlogd -tt ./main\n",
        "#!/usr/bin/env sh -e\nexec svlogd -tt ./main\n", // env would look for "sh -e"
        "#!/bin/sh -x\nexec svlogd -tt ./main\n",
        "#!/bin/sh\r\nexec svlogd -tt ./main\n",
    })
    void nearMissesAreLeftToAShell(String script) {
        refusal(script);
    }

    @Test
    void anUnknownBinOrPathRecognisesNothing() {
        String script = "#!/bin/sh\nexec svlogd -tt ./main\n";
        assertNull(LogRunScript.recognise(bytes(script), logDir, path, null));
        assertNull(LogRunScript.recognise(bytes(script), logDir, null, bin));
    }

    // ------------------------------------------------------------------ finding jrunit's tools

    @Test
    void debiansSvlogdFirstOnPathIsNotOurs() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/svlogd")), "needs Debian's runit (the reference peer)");
        path = "/usr/bin:" + bin;
        String reason = refusal("#!/bin/sh\nexec svlogd -tt ./main\n");
        assertTrue(reason.contains("/usr/bin/svlogd"), reason);
        path = bin + ":/usr/bin";
        refusal("#!/bin/sh\nexec /usr/bin/chpst -u nobody svlogd -tt ./main\n");
        refusal("#!/bin/sh\nexec chpst -u nobody /usr/bin/svlogd -tt ./main\n");
    }

    @Test
    void aLinkToOurSvlogdElsewhereIsOurs() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("usr/local/bin"));
        Files.createSymbolicLink(other.resolve("svlogd"), bin.resolve("svlogd"));
        path = other + ":/usr/bin:/bin";
        assertEquals(List.of("-tt", "./main"), plan("#!/bin/sh\nexec svlogd -tt ./main\n").svlogdArgs());
        assertEquals(List.of("./main"), plan("#!/bin/sh\nexec " + other.resolve("svlogd") + " ./main\n").svlogdArgs());
        refusal("#!/bin/sh\nexec chpst -u nobody svlogd ./main\n"); // no chpst of ours on this PATH
    }

    @Test
    void pathsAreResolvedInTheLogDirectory() throws Exception {
        assertEquals(List.of("./main"), plan("#!/bin/sh\nexec " + bin.resolve("svlogd") + " ./main\n").svlogdArgs());
        Files.createDirectories(logDir.resolve("tools"));
        Files.createSymbolicLink(logDir.resolve("tools/svlogd"), bin.resolve("svlogd"));
        assertEquals(List.of("./main"), plan("#!/bin/sh\nexec tools/svlogd ./main\n").svlogdArgs());
        assertEquals(List.of("./main"), plan("#!/bin/sh\nexec ./tools/svlogd ./main\n").svlogdArgs());
        // an empty PATH entry is the working directory: the log directory
        Files.createSymbolicLink(logDir.resolve("svlogd"), bin.resolve("svlogd"));
        path = ":/usr/bin:/bin";
        assertEquals(List.of("./main"), plan("#!/bin/sh\nexec svlogd ./main\n").svlogdArgs());
        path = "/usr/bin:/bin";
        refusal("#!/bin/sh\nexec svlogd ./main\n");
    }

    @Test
    void setuidgidAndChpstAccounts() {
        Plan p = plan("#!/bin/sh\nexec setuidgid nobody svlogd -tt ./main\n");
        assertEquals(new AccountRequest("nobody", false), p.account());
        assertEquals(List.of("-tt", "./main"), p.svlogdArgs());
        p = plan("#!/bin/sh\nexec " + bin.resolve("setuidgid") + " nobody svlogd ./main\n");
        assertEquals(new AccountRequest("nobody", false), p.account());
        // chpst's getopt: clustered and attached arguments, the last -u counts, -- ends the options
        assertEquals(new AccountRequest("log", true), plan("#!/bin/sh\nexec chpst -uuser -ulog svlogd ./main\n").account());
        p = plan("#!/bin/sh\nexec chpst -Pu user -U:1:2 -- svlogd ./main\n");
        assertEquals(new AccountRequest("user", true), p.account());
        assertEquals(new AccountRequest(":1:2", true), p.envAccount());
        assertNull(plan("#!/bin/sh\nexec chpst -P svlogd ./main\n").account());
    }

    // ------------------------------------------------------------------ the shell's syntax

    @Test
    void quotesAndBackslashNewline() {
        Plan p = plan("#!/bin/sh\n# a comment\n\nexec chpst -u \"_runit-log\" \\\n  svlogd -tt \\\n  '/var/log/my log' \"a\"'b'c # done\n");
        assertEquals(new AccountRequest("_runit-log", true), p.account());
        assertEquals(List.of("-tt", "/var/log/my log", "abc"), p.svlogdArgs());
        assertEquals(List.of("./main#1", ""), plan("#!/bin/sh\nexec svlogd ./main#1 ''\n").svlogdArgs());
        assertEquals(List.of("./bücher"), plan("#!/bin/sh\nexec svlogd ./bücher\n").svlogdArgs());
    }

    @Test
    void shebangs() {
        for (String shebang : List.of("#!/bin/sh", "#! /bin/sh", "#!/bin/dash", "#!/bin/bash", "#!/usr/bin/env sh",
                "#!/usr/bin/env bash", "#!/usr/bin/env dash", "#!/bin/sh  ")) {
            assertEquals(-1, plan(shebang + "\nmkdir -p main\nexec svlogd ./main\n").errexitFrom(), shebang);
        }
        for (String shebang : List.of("#!/bin/sh -e", "#!/bin/bash -eu", "#!/bin/sh\t-e")) {
            Plan p = plan(shebang + "\nmkdir -p main\nexec svlogd ./main\n");
            assertEquals(0, p.errexitFrom(), shebang);
            assertTrue(p.errexitAt(0));
        }
    }

    @Test
    void setEAndExecRedirectionTakeEffectWhereTheyStand() {
        Plan p = plan("#!/bin/sh\nmkdir -p a\nset -u\nmkdir -p b\nset -eu\nexec 2>&1\nmkdir -p c\nexec svlogd ./main\n");
        assertEquals(2, p.errexitFrom());
        assertFalse(p.errexitAt(1));
        assertTrue(p.errexitAt(2));
        assertEquals(2, p.stderrToStdoutFrom());
        assertTrue(p.stderrToStdout());
        p = plan("#!/bin/sh\nset -e\nexec svlogd ./main\n");
        assertEquals(0, p.errexitFrom());
        assertFalse(plan("#!/bin/sh\nexec svlogd ./main\n").stderrToStdout());
    }

    @Test
    void preparationForms() {
        Plan p = plan("#!/bin/sh\n"
                + "mkdir -pm 0750 a b\n"
                + "mkdir --parents --mode=2750 -- -c\n"
                + "[ -d /var/log/web ] || mkdir -p /var/log/web\n"
                + "test -d x||install -d -o nobody -g nogroup -m 750 x\n"
                + "install -dm750 y\n"
                + "chown -R nobody: a\n"
                + "chmod -R 00755 b\n"
                + "exec svlogd ./main\n");
        assertEquals(List.of(
                new MakeDirectories(true, octal("0750"), List.of("a", "b")),
                new MakeDirectories(true, octal("2750"), List.of("-c")),
                new UnlessDirectory("/var/log/web", new MakeDirectories(true, null, List.of("/var/log/web"))),
                new UnlessDirectory("x", new InstallDirectories(octal("750"), "nobody", "nogroup", List.of("x"))),
                new InstallDirectories(octal("750"), null, null, List.of("y")),
                new ChangeOwner(true, "nobody:", List.of("a")),
                new ChangeMode(true, octal("00755"), List.of("b"))), p.steps());
    }

    // ------------------------------------------------------------------ preparing real directories

    private int prepare(String script, ByteArrayOutputStream err) {
        return LogRunScript.prepare(plan(script), logDir, err);
    }

    /** This process's umask, read without changing it (other threads may be creating files). */
    static int umask() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Umask:")) return Integer.parseInt(line.substring(6).strip(), 8);
        }
        throw new IllegalStateException("no Umask in /proc/self/status");
    }

    private int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void mkdirWithParentsAndAMode() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, prepare("#!/bin/sh\nmkdir -p -m 0750 a/b/c\nexec svlogd ./main\n", err));
        assertEquals("", err.toString());
        assertEquals(0750, mode(logDir.resolve("a/b/c")));
        int umask = umask();
        assertEquals((0777 & ~umask) | 0300, mode(logDir.resolve("a")));
        assertEquals((0777 & ~umask) | 0300, mode(logDir.resolve("a/b")));
    }

    @Test
    void chownToNobody() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: chown to another user");
        Files.createDirectories(logDir.resolve("main/sub"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, prepare("#!/bin/sh\nchown -R nobody:nogroup main\nexec svlogd ./main\n", err));
        assertEquals("", err.toString());
        int nobody = Posix.getpwnam("nobody").uid();
        assertEquals(nobody, Files.getAttribute(logDir.resolve("main"), "unix:uid"));
        assertEquals(nobody, Files.getAttribute(logDir.resolve("main/sub"), "unix:uid"));
        assertEquals(Posix.getgrnam("nogroup").gid(), Files.getAttribute(logDir.resolve("main/sub"), "unix:gid"));
    }

    @Test
    void setEStopsAtTheFirstFailure() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, prepare("#!/bin/sh -e\nmkdir ./missing/main\nmkdir ./after\nexec svlogd ./main\n", err));
        assertEquals("mkdir: cannot create directory './missing/main': No such file or directory\n", err.toString());
        assertFalse(Files.exists(logDir.resolve("after")));
    }

    @Test
    void withoutSetEAFailureIsPrintedAndIgnored() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, prepare("#!/bin/sh\nmkdir ./missing/main\nset -e\nmkdir ./after\nexec svlogd ./main\n", err));
        assertEquals("mkdir: cannot create directory './missing/main': No such file or directory\n", err.toString());
        assertTrue(Files.isDirectory(logDir.resolve("after")));
    }

    @Test
    void anUnknownDashUAccountFailsAsChpstDoes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Plan p = plan("#!/bin/sh\nexec 2>&1\nexec chpst -U no-such-user-here svlogd ./main\n");
        assertEquals(111, LogRunScript.prepare(p, logDir, out, err));
        assertEquals("chpst: fatal: unknown user/group: no-such-user-here\n", out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void theAccountIsResolvedAsChpstDoes() throws Exception {
        AccountRequest nobody = plan("#!/bin/sh\nexec chpst -u nobody:nogroup svlogd ./main\n").account();
        assertEquals(Posix.getpwnam("nobody").uid(), nobody.resolve().uid());
        assertEquals(Posix.getgrnam("nogroup").gid(), nobody.resolve().gid());
        AccountRequest unknown = plan("#!/bin/sh\nexec setuidgid no-such-user-here svlogd ./main\n").account();
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(jrunit.common.Account.Failure.class, unknown::resolve);
        assertEquals("unknown account: no-such-user-here", e.getMessage());
    }

    @Test
    void forLogServiceReadsRunWithThisProcesssPathAndBin() throws Exception {
        Path run = Files.writeString(logDir.resolve("run"), "#!/bin/sh\nexec " + bin.resolve("svlogd") + " -tt ./main\n");
        String old = System.getProperty("jrunit.bin");
        try {
            System.setProperty("jrunit.bin", bin.toString());
            assertNull(LogRunScript.forLogService(logDir), "not executable: spawned, to fail as it would");
            assertTrue(run.toFile().setExecutable(true));
            assertEquals(List.of("-tt", "./main"), LogRunScript.forLogService(logDir).svlogdArgs());
            System.clearProperty("jrunit.bin");
            assertNull(LogRunScript.forLogService(logDir));
        } finally {
            if (old == null) System.clearProperty("jrunit.bin");
            else System.setProperty("jrunit.bin", old);
        }
    }
}
