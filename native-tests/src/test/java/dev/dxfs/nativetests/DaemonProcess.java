package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The daemon serving a test's mount, seen through /proc: its resident memory and open descriptors. */
record DaemonProcess(long pid) {
    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB$");

    static DaemonProcess of(MountedDir mounted) {
        return new DaemonProcess(mounted.statusField("pid"));
    }

    long rssKib() {
        Matcher matcher = VM_RSS.matcher(Unchecked.call(() -> Files.readString(proc().resolve("status"))));
        assertThat(matcher.find()).as("VmRSS of the daemon %d", pid).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    int openDescriptors() {
        return Unchecked.call(() -> {
            try (Stream<Path> fds = Files.list(proc().resolve("fd"))) {
                return (int) fds.count();
            }
        });
    }

    /**
     * The descriptor count once it is at most {@code limit}, or after {@code patience}: the
     * kernel forgets the nodes of closed files asynchronously, and the daemon closes their
     * descriptors then.
     */
    int awaitDescriptorsAtMost(int limit, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        int count = openDescriptors();
        while (count > limit && System.nanoTime() < deadline) {
            Pause.of(200);
            count = openDescriptors();
        }
        return count;
    }

    private Path proc() {
        return Path.of("/proc", Long.toString(pid));
    }
}
