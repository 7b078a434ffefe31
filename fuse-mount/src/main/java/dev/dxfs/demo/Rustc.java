package dev.dxfs.demo;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The Rust compiler the demo builds its small programs with; no cargo, no crates. */
final class Rustc {
    private final Path executable;

    private Rustc(Path executable) {
        this.executable = executable;
    }

    /** On PATH, else where rustup installs it, which a non-login shell often leaves off PATH. */
    static Optional<Rustc> locate() {
        String path = System.getenv("PATH");
        Stream<Path> onPath = path == null
                ? Stream.empty()
                : Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, "rustc"));
        String home = System.getenv("HOME");
        Stream<Path> rustup = Stream.of(Path.of(home != null ? home : System.getProperty("user.home"), ".cargo", "bin", "rustc"));
        return Stream.concat(onPath, rustup).filter(Files::isExecutable).findFirst().map(Rustc::new);
    }

    /** Starts an optimized build of one source file; {@link Build#await} reports its outcome. */
    Build start(Path source, Path output, String... extraArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "-O", "--edition", "2021",
                // Without symbols and debug info nearly every byte of the file gets loaded, so a
                // partly written binary fails to run instead of merely lacking its debug info.
                "-C", "strip=symbols"));
        command.addAll(List.of(extraArgs));
        command.addAll(List.of("-o", output.toString(), source.toString()));
        Path log = output.resolveSibling(output.getFileName() + ".rustc.log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new Build(source, process, log);
    }

    /** A compiler run in progress, with the log that explains a failure. */
    record Build(Path source, Process process, Path log) {
        void await() throws IOException, InterruptedException {
            if (process.waitFor() != 0) {
                throw new IOException("rustc failed on " + source.getFileName() + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
        }
    }
}
