package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code fsops shell} process: a native process that makes one system call per request and
 * keeps its descriptors between requests, so a test can hold a file open in it while other
 * processes (the test itself, or another shell) look at the same file. Each request waits for
 * its answer, so the call has returned before the test goes on.
 */
final class FsShell implements AutoCloseable {
    private static final long REPLY_TIMEOUT_SECONDS = 60;
    private static final Duration QUIT_WAIT = Duration.ofSeconds(10);
    private static final String EOF = "\0eof";
    private static final Pattern STAT = Pattern.compile("stat size=(\\d+) mode=([0-7]+) ino=(\\d+) nlink=(\\d+)");
    /** A statx answer: a stat answer's fields, then the birth time. */
    private static final Pattern STATX = Pattern.compile("statx (.*) btime=(\\S+)");

    private final Process process;
    private final Writer requests;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    /** What fstat(2) or stat(2) answered; mode holds the permission bits only. */
    record Stat(long size, int mode, long ino, long nlink) {}

    /** What statx(2) asked for the basic stats and the birth time answered: the birth time as SEC.NSEC, or "-". */
    record Statx(Stat stat, String birth) {}

    private FsShell(Process process) {
        this.process = process;
        this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readReplies, "fsops-shell-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static FsShell start() {
        return start(List.of(NativePrograms.c("fsops").toString(), "shell"));
    }

    /** A shell run as {@code user}, from {@code fsops}, a copy of the program that user may run. */
    static FsShell startAs(TestUsers.User user, Path fsops) {
        return start(user.run(List.of(fsops.toString(), "shell")));
    }

    private static FsShell start(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        return new FsShell(Unchecked.call(builder::start));
    }

    long pid() {
        return process.pid();
    }

    private void readReplies() {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                replies.add(line);
            }
        } catch (IOException e) {
            // The process is gone; the EOF marker below tells a waiting request.
        }
        replies.add(EOF);
    }

    /** Sends one request and returns its one-line answer, which may be an "err ..." line. */
    String call(String request) {
        String reply = Unchecked.call(() -> {
            requests.write(request + "\n");
            requests.flush();
            return replies.poll(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        });
        if (reply == null) {
            throw new AssertionError("fsops shell gave no answer to '" + abbreviate(request) + "' in "
                    + REPLY_TIMEOUT_SECONDS + " s");
        }
        if (reply.equals(EOF)) {
            throw new AssertionError("fsops shell exited before answering '" + abbreviate(request) + "'");
        }
        return reply;
    }

    /** Sends one request that must succeed. */
    String ok(String request) {
        String reply = call(request);
        assertThat(reply).as("answer to '%s'", abbreviate(request)).doesNotStartWith("err");
        return reply;
    }

    /** The errno name (ENOENT, ...) of a request that must fail. */
    String error(String request) {
        String reply = call(request);
        assertThat(reply).as("answer to '%s'", abbreviate(request)).startsWith("err ");
        return reply.split(" ")[1];
    }

    int open(Path path, String flags) {
        return fd(ok("open " + path + " " + flags));
    }

    int open(Path path, String flags, int mode) {
        return fd(ok("open " + path + " " + flags + " " + Integer.toOctalString(mode)));
    }

    void write(int fd, String text) {
        write(fd, text.getBytes(StandardCharsets.UTF_8));
    }

    void write(int fd, byte[] data) {
        assertThat(ok("write " + fd + " " + HexFormat.of().formatHex(data))).isEqualTo("wrote " + data.length);
    }

    void pwrite(int fd, long offset, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        assertThat(ok("pwrite " + fd + " " + offset + " " + HexFormat.of().formatHex(data)))
                .isEqualTo("wrote " + data.length);
    }

    /** One read(2) of at most {@code count} bytes. */
    byte[] read(int fd, int count) {
        return data(ok("read " + fd + " " + count));
    }

    byte[] pread(int fd, long offset, int count) {
        return data(ok("pread " + fd + " " + offset + " " + count));
    }

    /** read(2) from the current offset to the end of the file. */
    byte[] readAll(int fd) {
        return data(ok("readall " + fd));
    }

    Stat fstat(int fd) {
        return stat(ok("fstat " + fd));
    }

    Stat stat(Path path) {
        return stat(ok("stat " + path));
    }

    Statx fstatx(int fd) {
        return statx(ok("fstatx " + fd));
    }

    Statx statx(Path path) {
        return statx(ok("statx " + path));
    }

    int dup(int fd) {
        return fd(ok("dup " + fd));
    }

    void close(int fd) {
        assertThat(ok("close " + fd)).isEqualTo("ok");
    }

    void umask(int mask) {
        ok("umask " + Integer.toOctalString(mask));
    }

    private static int fd(String reply) {
        assertThat(reply).startsWith("fd ");
        return Integer.parseInt(reply.substring(3).trim());
    }

    private static byte[] data(String reply) {
        List<String> parts = List.of(reply.split(" ", -1));
        assertThat(parts.get(0)).isEqualTo("data");
        byte[] data = HexFormat.of().parseHex(parts.size() > 2 ? parts.get(2) : "");
        assertThat(data).hasSize(Integer.parseInt(parts.get(1)));
        return data;
    }

    private static Stat stat(String reply) {
        Matcher matcher = STAT.matcher(reply);
        assertThat(matcher.matches()).as("stat answer '%s'", reply).isTrue();
        return new Stat(Long.parseLong(matcher.group(1)), Integer.parseInt(matcher.group(2), 8),
                Long.parseLong(matcher.group(3)), Long.parseLong(matcher.group(4)));
    }

    private static Statx statx(String reply) {
        Matcher matcher = STATX.matcher(reply);
        assertThat(matcher.matches()).as("statx answer '%s'", reply).isTrue();
        return new Statx(stat("stat " + matcher.group(1)), matcher.group(2));
    }

    private static String abbreviate(String request) {
        return request.length() > 120 ? request.substring(0, 120) + "..." : request;
    }

    /** Ends the process; the kernel closes whatever descriptors it still holds. */
    @Override
    public void close() {
        try {
            requests.write("quit\n");
            requests.close();
        } catch (IOException e) {
            // Already gone.
        }
        Spawned.end(process, QUIT_WAIT);
    }
}
