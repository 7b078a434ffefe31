package dev.dxfs.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The two server variants and the dx-like driver, built from the sources shipped as resources. */
record DemoBinaries(Path serverA, Path serverB, Path dxlike) {

    static DemoBinaries build(Rustc rustc, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path serverSource = extract("server.rs", dir);
        Path dxlikeSource = extract("dxlike.rs", dir);
        DemoBinaries binaries = new DemoBinaries(dir.resolve("server-a"), dir.resolve("server-b"), dir.resolve("dxlike"));
        List<Rustc.Build> builds = List.of(
                rustc.start(serverSource, binaries.serverA()),
                rustc.start(serverSource, binaries.serverB(), "--cfg", "variant_b"),
                rustc.start(dxlikeSource, binaries.dxlike()));
        // Every build is awaited, failed or not, so that none still writes into a directory
        // that is about to be deleted.
        IOException failure = null;
        for (Rustc.Build build : builds) {
            try {
                build.await();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return binaries;
    }

    private static Path extract(String name, Path dir) throws IOException {
        try (InputStream in = DemoBinaries.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("demo source " + name + " is missing from the classpath");
            }
            Path target = dir.resolve(name);
            Files.copy(in, target);
            return target;
        }
    }
}
