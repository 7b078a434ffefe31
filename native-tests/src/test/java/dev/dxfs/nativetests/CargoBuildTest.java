package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real cargo build with its target directory inside the mount: cargo writes, renames,
 * hard-links, locks and removes a few hundred files there (fingerprints, incremental caches,
 * dep-info, the binary), so this is the widest check that the pass-through is faithful enough
 * for the builds dxfs is mounted under.
 */
class CargoBuildTest {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    @Test
    void cargoBuildsIntoTheMountAndRebuildsIncrementally() throws IOException {
        try (MountedDir mounted = MountedDir.create("cargo").mount()) {
            Path crate = mounted.scratch().resolve("crate");
            writeCrate(crate, "first");
            Path targetDir = mounted.dir().resolve("cargo-target");
            Map<String, String> env = Map.of(
                    "CARGO_TARGET_DIR", targetDir.toString(),
                    // A private cargo home: nothing of the machine's registry cache is needed or touched.
                    "CARGO_HOME", mounted.scratch().resolve("cargo-home").toString(),
                    "CARGO_TERM_COLOR", "never");
            Path binary = targetDir.resolve("debug").resolve("dxdemo");

            Run first = build(crate, env);
            assertThat(first.err()).contains("Compiling dxdemo");
            Run run = Run.of(List.of(binary.toString(), "3", "4")).ok();
            assertThat(run.out()).isEqualTo("dxdemo first: 3 + 4 = 7, area 12, shape square\n");

            writeCrate(crate, "second");
            Run second = build(crate, env);
            assertThat(second.err()).as("only the changed crate is rebuilt").contains("Compiling dxdemo");
            Run rerun = Run.of(List.of(binary.toString(), "5", "6")).ok();
            assertThat(rerun.out()).as("the rebuilt binary runs through the mount")
                    .isEqualTo("dxdemo second: 5 + 6 = 11, area 30, shape square\n");

            Run third = build(crate, env);
            assertThat(third.err()).as("nothing changed: cargo's fingerprints in the mount say so")
                    .doesNotContain("Compiling");
            assertThat(Files.list(targetDir.resolve("debug").resolve("incremental")).count())
                    .as("the incremental cache lives in the mount").isPositive();
        }
    }

    private static Run build(Path crate, Map<String, String> env) {
        Run build = Run.of(List.of(NativePrograms.cargo(), "build", "--offline"), crate, env, BUILD_TIMEOUT);
        assertThat(build.exit()).as("cargo build: %s", build).isZero();
        return build;
    }

    /** A crate without dependencies, in a few modules, whose greeting says {@code edition}. */
    static void writeCrate(Path crate, String edition) {
        write(crate.resolve("Cargo.toml"), """
                [package]
                name = "dxdemo"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                """);
        write(crate.resolve("src/main.rs"), """
                mod greeting;
                mod math;
                mod shapes;

                fn main() {
                    let args: Vec<i64> = std::env::args().skip(1).map(|a| a.parse().expect("a number")).collect();
                    let (a, b) = (args[0], args[1]);
                    let shape = shapes::Shape::Rectangle { width: a, height: b };
                    println!("{}: {} + {} = {}, area {}, shape {}", greeting::name(), a, b, math::add(a, b),
                        shape.area(), shapes::Shape::Square(a).describe());
                }
                """);
        write(crate.resolve("src/greeting.rs"), """
                pub fn name() -> String {
                    format!("dxdemo {}", "%s")
                }
                """.formatted(edition));
        write(crate.resolve("src/math.rs"), """
                pub fn add(a: i64, b: i64) -> i64 {
                    a + b
                }

                pub fn mul(a: i64, b: i64) -> i64 {
                    a * b
                }
                """);
        write(crate.resolve("src/shapes/mod.rs"), """
                use crate::math;

                pub enum Shape {
                    Rectangle { width: i64, height: i64 },
                    Square(i64),
                }

                impl Shape {
                    pub fn area(&self) -> i64 {
                        match self {
                            Shape::Rectangle { width, height } => math::mul(*width, *height),
                            Shape::Square(side) => math::mul(*side, *side),
                        }
                    }

                    pub fn describe(&self) -> &'static str {
                        match self {
                            Shape::Rectangle { .. } => "rectangle",
                            Shape::Square(_) => "square",
                        }
                    }
                }
                """);
    }

    private static void write(Path file, String text) {
        Unchecked.run(() -> {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        });
    }
}
