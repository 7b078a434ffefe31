package dev.dxfs.mount;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * {@code dxfs status --watch}: one screen, redrawn every second, with the figures of the status
 * and the rates between two samples. On a terminal each frame replaces the last; piped, frames
 * follow each other, separated by a blank line. It ends after a given number of frames, when
 * the mount goes away, or on Ctrl-C (nothing to restore: the screen is only cleared).
 */
final class StatusWatch {
    private static final long PERIOD_MILLIS = 1000;
    private static final String CLEAR = "\033[H\033[2J";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final Path dir;
    private final PrintStream out;
    private final boolean terminal;

    StatusWatch(Path dir, PrintStream out, boolean terminal) {
        this.dir = dir;
        this.out = out;
        this.terminal = terminal;
    }

    /** Shows {@code frames} frames (0: until stopped); returns once done or the mount is gone. */
    void run(long frames) throws CliException {
        Sample previous = null;
        for (long shown = 0; frames == 0 || shown < frames; shown++) {
            if (shown > 0) {
                sleep();
            }
            String json = ControlClient.status(dir);
            if (json == null) {
                if (previous == null) {
                    throw new CliException(dir + " is not a dxfs mount: mount it first (dxfs mount " + dir + ")");
                }
                MountTable.Inspection found = MountTable.inspect(dir);
                out.println("dxfs: " + (found.state() == MountTable.State.STALE
                        ? StatusCommand.staleMessage(dir, found.cause())
                        : dir + " is no longer mounted"));
                return;
            }
            Sample sample = new Sample(System.nanoTime(), json);
            out.print((terminal ? CLEAR : shown > 0 ? "\n" : "") + frame(sample, previous));
            out.flush();
            previous = sample;
        }
    }

    private String frame(Sample now, Sample before) {
        StringBuilder frame = new StringBuilder();
        frame.append("dxfs ").append(dir).append("   daemon ").append(now.field("pid"))
                .append("   ").append(LocalTime.now().format(TIME)).append('\n');
        line(frame, "writers open", Long.toString(now.field("openStagedWriters")), "");
        line(frame, "commits", Long.toString(now.field("commits")),
                before == null ? "" : rate(now, before, "commits") + "/s");
        line(frame, "concurrent commits", Long.toString(now.field("concurrentCommits")), "");
        line(frame, "ETXTBSY prevented", Long.toString(now.field("textBusyPrevented")), "");
        line(frame, "exec-protected nodes", Long.toString(now.field("execProtectedNodes")), "");
        line(frame, "bytes staged", bytes(now.field("bytesStaged")),
                before == null ? "" : bytes(rate(now, before, "bytesStaged")) + "/s");
        line(frame, "discarded writes", Long.toString(now.field("discardedWrites")), "");
        line(frame, "errors", Long.toString(now.field("errors")), "");
        return frame.toString();
    }

    private static void line(StringBuilder frame, String label, String value, String rate) {
        frame.append(String.format("%-22s %12s   %s", label, value, rate).stripTrailing()).append('\n');
    }

    /** Per second between two samples. */
    private static long rate(Sample now, Sample before, String field) {
        double seconds = Math.max(now.nanos() - before.nanos(), 1) / 1e9;
        return Math.round((now.field(field) - before.field(field)) / seconds);
    }

    static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format("%.1f %s", value, units[unit]);
    }

    private static void sleep() throws CliException {
        try {
            Thread.sleep(PERIOD_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private record Sample(long nanos, String json) {
        long field(String name) {
            return StatusJson.number(json, name);
        }
    }
}
