package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the kernel keeps of a file's name. On the kernel transport the name of an unchanged,
 * non-executable file is kept, so a {@code stat} or a path walk of it does not reach the daemon;
 * the daemon makes the kernel forget every name (the connection's epoch) when a name it may keep
 * changes meaning, so another process sees a publish at once. libfuse 2 cannot make the kernel
 * forget a name without the directory's lock and keeps none.
 */
class KeptNamesTest {
    private static final int PUBLISHES = 300;
    /** Past the short timeout and its late start: an answer still kept then was given the long one. */
    private static final long PAST_SHORT_TIMEOUT_NANOS = 1_500_000_000L;
    private static final int PASS_FILES = 50;

    /**
     * A file changed in the backing directory behind the kernel's back by a write through a
     * shared mapping, which sets its modification time at the page fault and tells no watch: a
     * name the kernel keeps still shows the time before right after (its attributes are kept
     * with it), and past the short timeout where the daemon watches the backing directory and
     * gives the long one; a name it does not keep is looked up, and the lookup answers the new
     * time. The file is new, made with {@code O_TRUNC} (a shell's {@code >}, whose publish gives
     * the name) or with {@code O_EXCL} (tar's, git's: the name is made at the open, and the
     * publish replaces that empty file, which is no rewrite).
     */
    @ParameterizedTest(name = "a file made with {0}")
    @ValueSource(strings = {"O_TRUNC", "O_EXCL"})
    void theKernelTransportKeepsTheNameOfAnUnchangedFile(String made) throws IOException {
        try (MountedDir mounted = MountedDir.create("kept"); BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Path file = mounted.dir().resolve("file");
            if (made.equals("O_EXCL")) {
                Files.writeString(file, "old", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } else {
                Files.writeString(file, "old");
            }
            // A lookup waits for the publish: the file is in the backing directory after it.
            assertThat(Files.readString(file)).isEqualTo("old");
            FileTime before = Files.getLastModifiedTime(file);
            long start = System.nanoTime();
            try (MappedWrite write = MappedWrite.of(backing.dir().resolve("file"))) {
                FileTime changed = write.change();
                assertThat(changed).as("the time the mapped write set").isNotEqualTo(before);
                FileTime seen = Files.getLastModifiedTime(file);
                if (Dxfs.TRANSPORT.equals("kernel")) {
                    assertThat(seen).as("the time right after the mapped write (the kept name's)").isEqualTo(before);
                    LockSupport.parkNanos(PAST_SHORT_TIMEOUT_NANOS - (System.nanoTime() - start));
                    assertThat(Files.getLastModifiedTime(file)).as("the time through the mount, %d ms later",
                            (System.nanoTime() - start) / 1_000_000).isEqualTo(before);
                } else {
                    assertThat(seen).as("the time right after the mapped write (the name is never kept)")
                            .isEqualTo(changed);
                }
            }
        }
    }

    /**
     * A second {@code stat} pass over an unchanged tree, past the short timeout, as after a
     * build's first pass: on the kernel transport, whoever mounted, the kernel answers every file
     * from what it kept (each was changed behind the mount's back by a write through a mapping,
     * which only a request to the daemon would have found); libfuse 2 keeps no file names, and
     * each is looked up again.
     */
    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aSecondStatPassPastTheShortTimeoutIsAnsweredFromWhatTheKernelKept(MountingUser who) throws IOException {
        try (MountedDir mounted = who.directory("kept-pass"); BackingView backing = BackingView.of(mounted.dir())) {
            List<String> pass = new ArrayList<>(List.of("stat", "-c", "%n %.9Y"));
            for (int i = 0; i < PASS_FILES; i++) {
                Path file = mounted.dir().resolve("f" + i);
                Files.writeString(file, "old");
                pass.add(file.toString());
            }
            who.mount(mounted);
            List<String> first = Objects.requireNonNull(who.output(pass), "the first pass failed").lines().toList();
            long start = System.nanoTime();
            List<MappedWrite> writes = new ArrayList<>();
            try {
                for (int i = 0; i < PASS_FILES; i++) {
                    Path behind = backing.dir().resolve("f" + i);
                    FileTime before = Files.getLastModifiedTime(behind);
                    writes.add(MappedWrite.of(behind));
                    assertThat(writes.get(i).change()).as("the time the mapped write set").isNotEqualTo(before);
                }
                LockSupport.parkNanos(PAST_SHORT_TIMEOUT_NANOS - (System.nanoTime() - start));
                List<String> second = Objects.requireNonNull(who.output(pass), "the second pass failed").lines()
                        .toList();
                assertThat(first).as("the first pass").hasSize(PASS_FILES);
                if (Dxfs.TRANSPORT.equals("kernel")) {
                    assertThat(second).as("the second pass, %d ms after the first",
                            (System.nanoTime() - start) / 1_000_000).isEqualTo(first);
                } else {
                    assertThat(second).as("the second pass (no name is kept)").doesNotContainAnyElementsOf(first);
                }
            } finally {
                for (MappedWrite write : writes) {
                    write.close();
                }
            }
        }
    }

    /**
     * Another process looked the name up (so the kernel keeps it) just before a writer rewrote the
     * file through the mount: once the writer's close has returned, a new process finds the new
     * version, by its size ({@code stat}) and its bytes. Each round rewrites a file of its own,
     * made in the round before: the name of a file rewritten lately is not kept.
     */
    @Test
    void aPublishIsSeenAtOnceThroughANameTheKernelKept() throws IOException {
        try (MountedDir mounted = MountedDir.create("kept-publish").mount()) {
            Files.writeString(mounted.dir().resolve("f1"), "start\n");
            String stale = shell(mounted.dir(), "i=1; while [ $i -le " + PUBLISHES + " ]; do"
                    + " printf start > f$((i + 1)); stat -c %s f$i >/dev/null; cat f$i >/dev/null;"
                    + " printf \"%0${i}d\" $i > f$i;"
                    + " [ \"$(stat -c %s f$i)\" = $i ] || echo \"round $i: stat shows $(stat -c %s f$i) bytes\";"
                    + " [ \"$(cat f$i)\" = \"$(printf \"%0${i}d\" $i)\" ] || echo \"round $i: cat reads $(cat f$i)\";"
                    + " i=$((i + 1)); done");
            assertThat(stale).as("rounds in which a process saw the version before").isEmpty();
        }
    }

    /**
     * Names looked up while no file has them (on the kernel transport the kernel keeps their
     * absence), then made through the mount: by a truncating create, a create that appends, a
     * mkdir, a link and a rename onto one of them. A new process finds each at once, with what
     * its writer wrote once the writer has closed it, and no longer finds the renamed name.
     */
    @Test
    void namesFoundMissingShowWhatIsMadeThereAtOnce() throws IOException {
        try (MountedDir mounted = MountedDir.create("kept-absent").mount()) {
            String stale = shell(mounted.dir(), "i=1; while [ $i -le " + PUBLISHES + " ]; do"
                    + " for n in a b c d e; do [ -e $n$i ] && echo \"round $i: $n$i before it was made\"; done;"
                    + " printf x > a$i; printf y >> b$i; mkdir c$i; ln a$i d$i; mv b$i e$i;"
                    + " [ \"$(cat a$i)\" = x ] || echo \"round $i: a$i reads $(cat a$i)\";"
                    + " [ -d c$i ] || echo \"round $i: no directory c$i\";"
                    + " [ \"$(cat d$i)\" = x ] || echo \"round $i: the link d$i reads $(cat d$i)\";"
                    + " [ \"$(cat e$i)\" = y ] || echo \"round $i: e$i reads $(cat e$i)\";"
                    + " [ -e b$i ] && echo \"round $i: b$i still there after the rename\";"
                    + " i=$((i + 1)); done");
            assertThat(stale).as("rounds in which a process missed what was made").isEmpty();
        }
    }

    /**
     * A rewrite of a file rewritten lately leaves the names of other files kept: its own name
     * was not kept, so its close need not make the kernel forget every name. Another file, read
     * through the mount after the first rewrite and changed behind the mount's back by a write
     * through a mapping, which no watch hears of, still shows its time before after the second
     * rewrite, as the kernel kept it. The second rewrite is seen at once all the same.
     */
    @Test
    void aSecondRewriteLeavesOtherNamesKept() throws IOException {
        try (MountedDir mounted = MountedDir.create("kept-rewrite"); BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Files.writeString(mounted.dir().resolve("f"), "first\n");
            Files.writeString(mounted.dir().resolve("other"), "other\n");
            assertThat(shell(mounted.dir(), "printf 'second\\n' > f && cat f other")).isEqualTo("second\nother\n");
            Path other = mounted.dir().resolve("other");
            FileTime before = Files.getLastModifiedTime(other);
            try (MappedWrite write = MappedWrite.of(backing.dir().resolve("other"))) {
                FileTime changed = write.change();
                assertThat(changed).as("the time the mapped write set").isNotEqualTo(before);
                assertThat(shell(mounted.dir(), "printf 'third\\n' > f && cat f")).as("the second rewrite, read at once")
                        .isEqualTo("third\n");
                FileTime seen = Files.getLastModifiedTime(other);
                if (Dxfs.TRANSPORT.equals("kernel")) {
                    assertThat(seen).as("the other file's time after the second rewrite (its kept name's)")
                            .isEqualTo(before);
                } else {
                    assertThat(seen).as("the other file's time (its name is never kept)").isEqualTo(changed);
                }
            }
        }
    }

    /**
     * A writer truncates and writes a file through a name the kernel keeps (the kernel zeroes the
     * node's size at such an open): other processes still see the published version, size and
     * bytes, until the writer is done; the writer sees its own file.
     */
    @Test
    void aTruncatingWriterThroughAKeptNameStaysUnseenUntilItCloses() throws IOException {
        try (MountedDir mounted = MountedDir.create("kept-trunc").mount()) {
            Path file = mounted.dir().resolve("f");
            String published = "the published version\n";
            Files.writeString(file, published);
            assertThat(shell(mounted.dir(), "stat -c %s f; cat f")).isEqualTo(published.length() + "\n" + published);
            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ByteBuffer.wrap("partial".getBytes(StandardCharsets.UTF_8)));
                assertThat(shell(mounted.dir(), "stat -c %s f; cat f")).as("another process, while the file is written")
                        .isEqualTo(published.length() + "\n" + published);
                assertThat(Files.size(file)).as("the writer's own view").isEqualTo("partial".length());
            }
            assertThat(shell(mounted.dir(), "stat -c %s f; cat f")).as("another process, once the writer closed")
                    .isEqualTo("7\npartial");
        }
    }

    /**
     * While something is mounted inside, the daemon cannot make the kernel forget names (the
     * epoch would unmount it): a rewrite through a name kept from before the inner mount waits at
     * its close until the kernel's name has run out, so the next process finds the new version,
     * and the inner mount stays.
     */
    @Test
    void aRewriteWhileSomethingIsMountedInsideIsSeenAtOnceAndLeavesTheInnerMount() throws IOException {
        try (MountedDir mounted = MountedDir.create("kept-inside-publish")) {
            Path inner = Files.createDirectory(mounted.dir().resolve("inner"));
            mounted.mount();
            Files.writeString(mounted.dir().resolve("f"), "old\n");
            shell(mounted.dir(), "cat f >/dev/null");
            try (Tmpfs tmpfs = Tmpfs.at(inner, "1m")) {
                Files.writeString(inner.resolve("x"), "inner\n");
                assertThat(shell(mounted.dir(), "printf 'the new version\\n' > f && stat -c %s f && cat f inner/x"))
                        .isEqualTo("16\nthe new version\ninner\n");
                assertThat(Dxfs.mountType(inner)).as("the inner mount, after the rewrite").isEqualTo("tmpfs");
            }
        }
    }

    /**
     * While something is mounted inside, making a file executable waits until the kernel's names
     * of that file have run out (an exec must not reach a node others share), and for no other
     * name: another file's name, kept from before the inner mount, is still kept right after
     * (a file replaced in the backing directory behind the kernel's back still shows as before).
     */
    @Test
    void makingAFileExecutableWhileSomethingIsMountedInsideWaitsForNoOtherName() throws IOException {
        try (MountedDir mounted = MountedDir.create("kept-inside-chmod");
                BackingView backing = BackingView.of(mounted.dir())) {
            Path inner = Files.createDirectory(mounted.dir().resolve("inner"));
            mounted.mount();
            Files.writeString(mounted.dir().resolve("kept"), "old");
            Files.writeString(backing.dir().resolve("replacement"), "replaced");
            shell(mounted.dir(), "stat kept >/dev/null");
            try (Tmpfs tmpfs = Tmpfs.at(inner, "1m")) {
                String size = shell(mounted.dir(), "touch tool && chmod +x tool && mv " + backing.dir() + "/replacement "
                        + backing.dir() + "/kept && stat -c %s kept").trim();
                assertThat(Files.isExecutable(mounted.dir().resolve("tool"))).isTrue();
                if (Dxfs.TRANSPORT.equals("kernel")) {
                    assertThat(size).as("the size of the other file right after the chmod (3: its kept name)")
                            .isEqualTo("3");
                } else {
                    assertThat(size).as("the size of the other file, whose name is never kept").isEqualTo("8");
                }
            }
        }
    }

    private static String shell(Path cwd, String script) {
        return Run.of(List.of("sh", "-c", script), cwd, Map.of(), Run.DEFAULT_TIMEOUT).ok().out();
    }
}
