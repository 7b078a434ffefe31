package dev.dxfs.agent.bench;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Writing and closing a 4 KiB file, the unit of work of a build tool's output. Run by bench/run
 * in JVMs with and without the agent, whose root is {@code -Dbench.inside}: "inside" files are
 * staged by the agent, "outside" files never are, so the ratios say what the agent costs where
 * it works and where it should cost nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SmallFileWrite {
    private static final int SIZE = 4096;

    @Param({"inside", "outside"})
    public String where;

    private final byte[] data = new byte[SIZE];
    private Path file;

    @Setup
    public void prepare() throws IOException {
        Path dir = Path.of(System.getProperty("bench." + where));
        Files.createDirectories(dir);
        file = dir.resolve("file-" + ProcessHandle.current().pid());
    }

    @Benchmark
    public void writeAndClose() throws IOException {
        try (FileOutputStream out = new FileOutputStream(file.toFile())) {
            out.write(data);
        }
    }
}
