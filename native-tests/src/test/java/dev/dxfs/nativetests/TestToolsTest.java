package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The script that makes a fresh machine's {@code mvn -B verify} set itself up: run with a PATH
 * that holds none of the test tools, it asks apt-get for exactly the missing packages when it may
 * (root), and otherwise names the one apt-get line to run and fails.
 */
class TestToolsTest {
    private static final Path SCRIPT = Path.of(System.getProperty("dxfs.testTools"));
    private static final boolean ROOT = "0".equals(Run.of(List.of("id", "-u")).ok().out().trim());
    /** Every package but libfuse2, which is found as a library file, not on the PATH. */
    private static final String PACKAGES = "fuse attr acl libcap2-bin fio bindfs stress-ng strace build-essential sqlite3";

    @Test
    void rootGetsTheMissingPackagesFromAptGet() throws Exception {
        Path bin = barePath();
        Path calls = bin.resolve("apt-get-calls");
        Path aptGet = bin.resolve("apt-get");
        Files.writeString(aptGet, "#!/bin/bash\necho \"$*\" >> " + calls + "\n");
        Files.setPosixFilePermissions(aptGet, PosixFilePermissions.fromString("rwxr-xr-x"));

        Run run = runWithPath(bin);

        if (ROOT) {
            assertThat(run.exit()).as("%s", run).isZero();
            assertThat(Files.readAllLines(calls)).containsExactly(
                    "update -qq", "install -y -qq --no-install-recommends " + PACKAGES);
        } else {
            assertMissingNamed(run);
            assertThat(calls).doesNotExist();
        }
    }

    @Test
    void withoutAptGetTheLineToRunIsNamed() throws Exception {
        assertMissingNamed(runWithPath(barePath()));
    }

    @Test
    void nothingIsInstalledWhenEveryToolIsThere() {
        Run run = Run.of(List.of(SCRIPT.toString()));
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.err()).isEmpty();
    }

    private static void assertMissingNamed(Run run) {
        assertThat(run.exit()).as("%s", run).isEqualTo(1);
        assertThat(run.err().strip())
                .isEqualTo("dxfs tests: missing tools; as root run: apt-get install " + PACKAGES);
    }

    /** A PATH directory with only what the script itself needs: bash and id. */
    private static Path barePath() throws Exception {
        Path bin = Dxfs.scratch("test-tools-");
        for (String tool : List.of("bash", "id")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of(whichOf(tool)));
        }
        return bin;
    }

    private static String whichOf(String tool) {
        return Run.of(List.of("bash", "-c", "command -v " + tool)).ok().out().trim();
    }

    private static Run runWithPath(Path bin) {
        return Run.of(List.of(whichOf("bash"), SCRIPT.toString()), null,
                Map.of("PATH", bin.toString()), Duration.ofMinutes(1));
    }
}
