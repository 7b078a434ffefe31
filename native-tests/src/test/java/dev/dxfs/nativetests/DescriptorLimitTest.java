package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A tree of more files than the daemon may hold descriptors: the daemon holds one per node the
 * kernel knows, and the kernel keeps nodes until memory is short. The mount asks the kernel to
 * let go of unused nodes as it nears its limit (a kernel transport facility), so a walk over the
 * whole tree, and a write after it, work as in a plain directory instead of failing with EMFILE.
 */
class DescriptorLimitTest {
    private static final int LIMIT = 2048;
    private static final int DIRECTORIES = 10;
    private static final int FILES_PER_DIRECTORY = 500;

    @Test
    void aWalkOverMoreFilesThanTheDaemonsDescriptorsLeavesTheMountWorking() throws IOException {
        try (MountedDir mounted = MountedDir.create("descriptors")) {
            for (int d = 0; d < DIRECTORIES; d++) {
                Path dir = Files.createDirectories(mounted.dir().resolve("d" + d));
                for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
                    Files.writeString(dir.resolve("f" + f), "x");
                }
            }
            // The daemon inherits the limit; root may raise it again, to the kernel's ceiling.
            Run.of(List.of("prlimit", "--nofile=" + LIMIT + ":" + LIMIT, Dxfs.LAUNCHER.toString(), "mount",
                    "--transport", "kernel", mounted.dir().toString()), null, Map.of(), Duration.ofMinutes(2))
                    .ok();
            assertThat(Dxfs.isMounted(mounted.dir())).as("dxfs is mounted over %s", mounted.dir()).isTrue();

            long seen;
            try (Stream<Path> walk = Files.walk(mounted.dir())) {
                seen = walk.filter(path -> size(path) == 1).count();
            }
            assertThat(seen).as("files stated through the mount").isEqualTo(DIRECTORIES * FILES_PER_DIRECTORY);
            Path after = Files.writeString(mounted.dir().resolve("d0").resolve("after"), "written");
            assertThat(Files.readString(after)).isEqualTo("written");

            long limit = openFileLimit(mounted.statusField("pid"));
            assertThat(mounted.statusField("nodes")).as("nodes the daemon holds, of its limit %d", limit)
                    .isLessThan(limit);
        }
    }

    private static long size(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).size();
        } catch (IOException e) {
            throw new AssertionError("stat of " + path + " failed", e);
        }
    }

    private static long openFileLimit(long pid) throws IOException {
        Matcher limit = Pattern.compile("(?m)^Max open files\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/" + pid + "/limits")));
        assertThat(limit.find()).as("the daemon's limits").isTrue();
        return Long.parseLong(limit.group(1));
    }
}
