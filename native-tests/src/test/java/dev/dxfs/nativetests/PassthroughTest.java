package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Everything but the staged rewrite of a regular file passes through to the backing directory
 * unchanged. Each test runs one shell script twice, in a plain directory and in a mounted one
 * (both fresh, on the same filesystem), and expects the same transcript from both: the plain run
 * pins the expected text, so a script that stops testing anything fails too.
 */
class PassthroughTest {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void mkdirAndRmdir() {
        expectSameIn("mkdir", """
                mkdir a && mkdir -p b/c/d && mkdir -m 750 e
                stat -c '%n %F %a' a b/c/d e
                mkdir a
                rmdir b
                rmdir a b/c/d b/c b e
                ls -A
                """, """
                a directory 755
                b/c/d directory 755
                e directory 750
                mkdir: cannot create directory 'a': File exists
                rmdir: failed to remove 'b': Directory not empty
                exit 0
                """);
    }

    @Test
    void rename() {
        expectSameIn("rename", """
                printf old > a; printf new > b
                mv b a; cat a; echo; ls
                mkdir d; printf x > d/f
                mv d e; cat e/f; echo; ls
                mkdir g; printf y > g/h; mkdir k
                mv -T k g
                mv -T e k; ls; ls k
                mv missing z
                echo '-- over a file that is open for reading'
                printf one > t; printf two > s
                exec 3< t
                mv s t
                cat <&3; echo; cat t; echo
                exec 3<&-
                ls
                """, """
                new
                a
                x
                a
                e
                mv: cannot move 'k' to 'g': Directory not empty
                a
                g
                k
                f
                mv: cannot stat 'missing': No such file or directory
                -- over a file that is open for reading
                one
                two
                a
                g
                k
                t
                exit 0
                """);
    }

    @Test
    void hardLinkCountsAreFreshRightAfterLnAndRm() {
        expectSameIn("link", """
                printf x > a
                ln a b
                stat -c '%h' a b
                [ "$(stat -c %i a)" = "$(stat -c %i b)" ] && echo same inode
                rm b
                stat -c '%h' a
                ln a c
                printf y >> c
                cat a; echo
                ln a c
                mkdir d; ln d e
                """, """
                2
                2
                same inode
                1
                xy
                ln: failed to create hard link 'c': File exists
                ln: d: hard link not allowed for directory
                exit 1
                """);
    }

    @Test
    void symlinkAndReadlink() {
        String longTarget = "t".repeat(250) + "/" + "u".repeat(250) + "/" + "v".repeat(3000);
        expectSameIn("symlink", """
                ln -s target l
                readlink l; stat -c '%F %s' l
                cat l
                printf data > target; cat l; echo
                ln -s /etc/hostname abs; readlink abs
                [ "$(cat abs)" = "$(cat /etc/hostname)" ] && echo absolute link followed
                mkdir d; ln -s ../target d/up; cat d/up; echo
                ln -s "$1" long; [ "$(readlink long)" = "$1" ] && echo long target intact
                stat -c %s long
                ln -s target l
                ls
                """, """
                target
                symbolic link 6
                cat: l: No such file or directory
                data
                /etc/hostname
                absolute link followed
                data
                long target intact
                3502
                ln: failed to create symbolic link 'l': File exists
                abs
                d
                l
                long
                target
                exit 0
                """, longTarget);
    }

    @Test
    void writingThroughASymlinkWritesItsTargetAndKeepsTheLink() {
        expectSameIn("symlink-write", """
                printf one > t; ln -s t l
                printf two > l
                cat t; echo; stat -c %F l; readlink l
                printf three > s; cp s l
                cat t; echo; stat -c %F l
                printf ' more' >> l
                cat t; echo
                mkdir sub; ln -s sub/x dangling
                printf created > dangling
                cat sub/x; echo; stat -c %F dangling
                """, """
                two
                symbolic link
                t
                three
                symbolic link
                three more
                created
                symbolic link
                exit 0
                """);
    }

    @Test
    void chmod() {
        expectSameIn("chmod", """
                touch f
                chmod 640 f; stat -c %a f
                chmod 4755 f; stat -c %a f
                chmod 2711 f; stat -c %a f
                chmod 0 f; stat -c %a f
                mkdir d
                chmod 700 d; stat -c %a d
                chmod 1777 d; stat -c %a d
                chmod 600 f; ln -s f l; chmod 604 l
                stat -c '%a %F' f l
                chmod 644 missing
                """, """
                640
                4755
                2711
                0
                700
                1777
                604 regular empty file
                777 symbolic link
                chmod: cannot access 'missing': No such file or directory
                exit 1
                """);
    }

    @Test
    void chownAsRoot() {
        expectSameIn("chown", """
                touch f
                chown 1234:5678 f; stat -c %u:%g f
                chown 42 f; stat -c %u:%g f
                chgrp 7 f; stat -c %u:%g f
                chmod 6755 f; chown 1:1 f; stat -c '%a %u:%g' f
                mkdir d; chown 5:6 d; stat -c %u:%g d
                ln -s f l; chown -h 99:98 l
                stat -c '%u:%g %F' l f
                chown 3:3 l; stat -c '%u:%g' l f
                """, """
                1234:5678
                42:5678
                42:7
                755 1:1
                5:6
                99:98 symbolic link
                1:1 regular empty file
                99:98
                3:3
                exit 0
                """);
    }

    @Test
    void utimensatWithNanosecondsOmitAndNow() {
        expectSameIn("utimens", """
                touch f
                $OPS utimens f 1000000000.123456789 1200000000.987654321; $OPS times f
                touch -d '2001-02-03 04:05:06.123456789' f; $OPS times f
                touch -m -d @1300000000.5 f; $OPS times f
                touch -a -d @1310000000.25 f; $OPS times f
                $OPS utimens f omit 1400000000.000000001; $OPS times f
                $OPS utimens f 1500000000.75 omit; $OPS times f
                touch ref
                reference=$($OPS times ref | cut -d' ' -f4)
                $OPS utimens f now omit
                set -- $($OPS times f)
                echo "mtime $4"
                printf '%s\\n%s\\n' "$reference" "$2" | sort -C && echo "atime set to now"
                $OPS utimens f omit now
                set -- $($OPS times f)
                printf '%s\\n%s\\n' "$reference" "$4" | sort -C && echo "mtime set to now"
                ln -s f l
                $OPS utimens l 1100000000.5 1100000001.5 nofollow; $OPS times l nofollow
                set -- $($OPS times f)
                [ "$4" != 1100000001.500000000 ] && echo target untouched
                """, """
                ok
                atime 1000000000.123456789 mtime 1200000000.987654321
                atime 981173106.123456789 mtime 981173106.123456789
                atime 981173106.123456789 mtime 1300000000.500000000
                atime 1310000000.250000000 mtime 1300000000.500000000
                ok
                atime 1310000000.250000000 mtime 1400000000.000000001
                ok
                atime 1500000000.750000000 mtime 1400000000.000000001
                ok
                mtime 1400000000.000000001
                atime set to now
                ok
                mtime set to now
                ok
                atime 1100000000.500000000 mtime 1100000001.500000000
                target untouched
                exit 0
                """);
    }

    @Test
    void truncate() {
        expectSameIn("truncate", """
                printf 0123456789 > f
                truncate -s 4 f; cat f; echo; stat -c %s f
                truncate -s 8 f; od -An -c f; stat -c %s f
                truncate -s +2 f; stat -c %s f
                truncate -s 0 f; stat -c '%s %b' f
                truncate -s 1M g; stat -c %s g
                truncate -c -s 5 missing; ls
                """, """
                0123
                4
                   0   1   2   3  \\0  \\0  \\0  \\0
                8
                10
                0 0
                1048576
                f
                g
                exit 0
                """);
    }

    @Test
    void mkfifoMakesAWorkingFifo() {
        expectSameIn("fifo", """
                mkfifo p; stat -c '%F %a' p
                (printf 'through the fifo' > p &)
                timeout 60 cat p; echo
                rm p; ls -A
                """, """
                fifo 644
                through the fifo
                exit 0
                """);
    }

    @Test
    void extendedAttributesInTheUserNamespace() {
        expectSameIn("xattr", """
                touch f
                $OPS setxattr f user.color blue; $OPS getxattr f user.color
                $OPS setxattr f user.size 42; $OPS listxattr f
                $OPS setxattr f user.color red create
                $OPS setxattr f user.none x replace
                $OPS setxattr f user.color red replace; $OPS getxattr f user.color
                $OPS removexattr f user.color; $OPS getxattr f user.color
                $OPS listxattr f
                mkdir d; $OPS setxattr d user.k v; $OPS getxattr d user.k
                ln -s f l; $OPS getxattr l user.size
                $OPS getxattr missing user.size
                """, """
                ok
                user.color=blue (4 bytes)
                ok
                user.color
                user.size
                (2 names)
                setxattr: File exists
                setxattr: No data available
                ok
                user.color=red (3 bytes)
                ok
                getxattr: No data available
                user.size
                (1 names)
                ok
                user.k=v (1 bytes)
                user.size=42 (2 bytes)
                getxattr: No such file or directory
                exit 1
                """);
    }

    @Test
    void statfsIsTheBackingFilesystems() {
        try (Twin twin = Twin.create("statfs")) {
            String script = """
                    stat -f -c 'block size %s, fundamental %S, name length %l, blocks %b, inodes %c' .
                    df -B1 --output=size . | tail -n 1
                    """;
            String plain = twin.runPlain(script);
            String mounted = twin.runMounted(script);
            assertThat(plain).contains("block size ", "name length 255", "exit 0");
            assertThat(mounted).as("statfs through the mount").isEqualTo(plain);
        }
    }

    @Test
    void fallocate() {
        expectSameIn("fallocate", """
                fallocate -l 1M f; stat -c %s f
                [ "$(stat -c %b f)" -ge 2048 ] && echo blocks allocated
                printf abc > g; fallocate -l 8192 g
                head -c 3 g; echo; stat -c %s g
                fallocate -n -o 8192 -l 65536 g; stat -c %s g
                [ "$(stat -c %b g)" -ge 144 ] && echo blocks allocated beyond the end
                printf 'xxxxxxxx' > h; fallocate -l 16384 h; fallocate -p -o 0 -l 4 h
                od -An -c -N 8 h; stat -c %s h
                """, """
                1048576
                blocks allocated
                abc
                8192
                8192
                blocks allocated beyond the end
                  \\0  \\0  \\0  \\0   x   x   x   x
                16384
                exit 0
                """);
    }

    @Test
    void flockBetweenTwoProcessesSeesTheLock() {
        try (Twin twin = Twin.create("flock")) {
            String plain = flockTranscript(twin.plain.dir());
            String mounted = flockTranscript(twin.mounted.dir());
            assertThat(plain).isEqualTo("held; exclusive try: 1; shared try: 1; released; exclusive try: 0");
            assertThat(mounted).as("flock through the mount").isEqualTo(plain);
        }
    }

    private static String flockTranscript(Path dir) {
        String file = dir.resolve("lock").toString();
        StringBuilder transcript = new StringBuilder();
        try (BackgroundProcess holder = BackgroundProcess.start(
                List.of("flock", file, "sh", "-c", "echo held; cat > /dev/null"))) {
            holder.awaitLine("held");
            transcript.append("held");
            transcript.append("; exclusive try: ").append(Run.of(List.of("flock", "-n", file, "true")).exit());
            transcript.append("; shared try: ").append(Run.of(List.of("flock", "-n", "-s", file, "true")).exit());
            Run released = holder.finish();
            assertThat(released.exit()).as("%s", released).isZero();
            transcript.append("; released");
        }
        transcript.append("; exclusive try: ").append(Run.of(List.of("flock", "-n", file, "true")).exit());
        return transcript.toString();
    }

    @Test
    void namesOf255Bytes() {
        String n = "n".repeat(255);
        String m = "m".repeat(255);
        String tooLong = "x".repeat(256);
        expectSameIn("names", """
                printf data > "$1"; cat "$1"; echo
                ls | wc -c
                mv "$1" "$2"; cat "$2"; echo
                ln "$2" "$1"; stat -c %h "$1"
                printf new > "$3"; cp "$3" "$1"; cat "$1"; echo
                mkdir "$4"; printf inner > "$4/$1"; cat "$4/$1"; echo
                ln -s "$4/$1" "$5"; cat "$5"; echo
                (printf x > "$6") 2>/dev/null || echo "256 bytes refused"
                mkdir "$6" 2>&1 | grep -c 'File name too long'
                ls | cut -c1-3
                """, """
                data
                256
                data
                2
                new
                inner
                inner
                256 bytes refused
                1
                ddd
                lll
                mmm
                nnn
                s
                exit 0
                """, n, m, "s", "d".repeat(255), "l".repeat(255), tooLong);
    }

    /**
     * Symlinks that point outside the tree and {@code ..} out of it are the kernel's to follow,
     * as on the plain directory; what dxfs does to a link itself ({@code touch -h}) never
     * reaches its target.
     */
    @Test
    void symlinksPointingOutsideAndDotDotBehaveAsOnThePlainDirectory() throws IOException {
        Path outside = Files.createDirectories(Dxfs.WORK.resolve("pass-outside-" + ProcessHandle.current().pid()));
        try {
            expectSameIn("outside", """
                    printf secret > "$1/secret"; touch -d @1000000000 "$1/secret"
                    printf inside > in
                    ln -s "$1/secret" abs
                    cat abs; echo
                    readlink abs | sed "s|$1|OUTSIDE|"
                    touch -h -d @0 abs
                    stat -c %Y "$1/secret"
                    printf changed > abs
                    cat "$1/secret"; echo
                    [ -L abs ] && echo still a link
                    cat ../dx/in; echo
                    ls .. | grep -c '^dx$'
                    """, """
                    secret
                    OUTSIDE/secret
                    1000000000
                    changed
                    still a link
                    inside
                    1
                    exit 0
                    """, outside.toString());
        } finally {
            Files.deleteIfExists(outside.resolve("secret"));
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void longPathsWithinPathMax() {
        // 15 names of 250 bytes: 3765 bytes below the mount point, just inside PATH_MAX (4096).
        String deep = String.join("/", java.util.Collections.nCopies(15, "p".repeat(250)));
        expectSameIn("long-path", """
                mkdir -p "$1"
                printf deep > "$1/f"; cat "$1/f"; echo
                stat -c %s "$1/f"
                mv "$1/f" "$1/g"; ls "$1"
                ln -s g "$1/l"; cat "$1/l"; echo
                ln "$1/g" "$1/h"; stat -c %h "$1/g"
                rm -r p*; ls -A
                """, """
                deep
                4
                g
                deep
                2
                exit 0
                """, deep);
    }

    @Test
    void pathsBeyondPathMaxAreReachedNameByName() {
        // 20 levels of 250-byte names: more than 5000 bytes below the mount point. Each step is
        // one name relative to the directory before it, natively and through the mount.
        expectSameIn("deep-path", """
                (
                  for i in $(seq 20); do mkdir "$1" && cd -P "$1" || exit 1; done
                  [ "$(pwd | wc -c)" -gt 4096 ] && echo "beyond PATH_MAX"
                  printf deep > f; cat f; echo
                  mv f g; ln g h; stat -c %h g
                  cp g copy; cat copy; echo
                  ls
                )
                rm -r "$1"; ls -A
                """, """
                beyond PATH_MAX
                deep
                2
                deep
                copy
                g
                h
                exit 0
                """, "q".repeat(250));
    }

    // ---- helpers

    private static void expectSameIn(String name, String script, String expected, String... args) {
        try (Twin twin = Twin.create(name)) {
            String plain = twin.runPlain(script, args);
            assertThat(plain).as("the script in a plain directory").isEqualTo(expected);
            String mounted = twin.runMounted(script, args);
            assertThat(mounted).as("the same script in the mount").isEqualTo(plain);
        }
    }

    /** A plain directory and a mounted one, both fresh. */
    private static final class Twin implements AutoCloseable {
        final MountedDir plain;
        final MountedDir mounted;

        private Twin(MountedDir plain, MountedDir mounted) {
            this.plain = plain;
            this.mounted = mounted;
        }

        static Twin create(String name) {
            MountedDir plain = MountedDir.create("pass-" + name + "-plain");
            MountedDir mounted = null;
            try {
                mounted = MountedDir.create("pass-" + name);
                mounted.mount();
                return new Twin(plain, mounted);
            } catch (RuntimeException | Error e) {
                try {
                    if (mounted != null) {
                        mounted.close();
                    }
                } finally {
                    plain.close();
                }
                throw e;
            }
        }

        String runPlain(String script, String... args) {
            return run(plain.dir(), script, args);
        }

        String runMounted(String script, String... args) {
            assertThat(Dxfs.isMounted(mounted.dir())).as("still mounted").isTrue();
            return run(mounted.dir(), script, args);
        }

        /** Runs the script with sh in {@code dir}; stderr is merged in order, the exit status ends it. */
        private static String run(Path dir, String script, String... args) {
            List<String> command = new ArrayList<>(List.of("sh", "-c", "exec 2>&1\n" + script, "sh"));
            command.addAll(List.of(args));
            Run run = Run.of(command, dir, Map.of(
                    "LC_ALL", "C", "TZ", "UTC",
                    "OPS", NativePrograms.c("passthru_ops").toString()), SCRIPT_TIMEOUT);
            return run.out() + "exit " + run.exit() + "\n";
        }

        @Override
        public void close() {
            try {
                mounted.close();
            } finally {
                plain.close();
            }
        }
    }
}
