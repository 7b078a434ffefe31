package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's recipes, as a user types them: a build run under {@code dxfs run}, which mounts
 * over its output directory for the build's duration and leaves the output in place.
 */
class RecipesTest {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    /** {@code CARGO_TARGET_DIR=$PWD/target/dx dxfs run target/dx -- cargo build}. */
    @Test
    void cargoBuildUnderDxfsRun() throws IOException {
        try (MountedDir output = MountedDir.create("recipe-cargo")) {
            Path crate = output.scratch().resolve("crate");
            CargoBuildTest.writeCrate(crate, "recipe");
            Map<String, String> env = Map.of(
                    "CARGO_TARGET_DIR", output.dir().toString(),
                    "CARGO_HOME", output.scratch().resolve("cargo-home").toString(),
                    "CARGO_TERM_COLOR", "never");

            Run build = Run.of(List.of(Dxfs.LAUNCHER.toString(), "run", output.dir().toString(), "--",
                    NativePrograms.cargo(), "build", "--offline"), crate, env, BUILD_TIMEOUT);

            assertThat(build.exit()).as("%s", build).isZero();
            assertThat(build.err()).contains("Compiling dxdemo");
            assertThat(Dxfs.isMounted(output.dir())).as("dxfs run unmounts").isFalse();
            Path binary = output.dir().resolve("debug").resolve("dxdemo");
            assertThat(Run.of(List.of(binary.toString(), "3", "4")).ok().out())
                    .as("the binary, in the directory itself").isEqualTo("dxdemo recipe: 3 + 4 = 7, area 12, shape square\n");
            assertNoTempFiles(output.dir());
        }
    }

    /** {@code dxfs run target -- mvn -o package}. */
    @Test
    void mavenPackageUnderDxfsRun() throws IOException {
        try (MountedDir scratchOwner = MountedDir.create("recipe-maven")) {
            Path project = MavenProject.write(scratchOwner.scratch().resolve("project"), "app", 1, "hello", "");
            Path target = Files.createDirectories(project.resolve("target"));
            try {
                Run build = Run.of(List.of(Dxfs.LAUNCHER.toString(), "run", "target", "--", "mvn", "-o", "-B", "-q",
                        "package"), project, Map.of(), BUILD_TIMEOUT);

                assertThat(build.exit()).as("%s", build).isZero();
                assertThat(Dxfs.isMounted(target)).as("dxfs run unmounts").isFalse();
                Path jar = target.resolve("app-1.jar");
                assertThat(Jars.whole(jar)).as("the jar, in target itself").isTrue();
                try (JarFile entries = new JarFile(jar.toFile())) {
                    assertThat(entries.getEntry("app/C0.class")).isNotNull();
                }
                assertNoTempFiles(target);
            } finally {
                if (Dxfs.mountType(target) != null) {
                    Dxfs.run("unmount", "--force", target.toString());
                }
            }
        }
    }

    private static void assertNoTempFiles(Path dir) throws IOException {
        Path staging = dir.resolve(".dxfs");
        if (Files.isDirectory(staging)) {
            try (Stream<Path> left = Files.list(staging)) {
                assertThat(left).as("temp files left").isEmpty();
            }
        }
    }
}
