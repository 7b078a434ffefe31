package dev.dxfs.nativetests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The small C and Rust programs the tests run against real mounts, compiled once per run from
 * the test resources with the machine's gcc and rustc.
 */
final class NativePrograms {
    private static final Path BIN = Path.of("target", "native-bin").toAbsolutePath();
    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();
    private static final Pattern LOCAL_INCLUDE = Pattern.compile("#include \"([\\w.]+\\.h)\"");

    private NativePrograms() {}

    /** {@code native/<name>.c}, compiled with gcc. */
    static Path c(String name) {
        return BUILT.computeIfAbsent(name + ".c", source -> {
            Path out = BIN.resolve(name);
            Path file = extract(source);
            extractHeaders(file);
            Run.of(List.of("gcc", "-O2", "-Wall", "-o", out.toString(), file.toString())).ok();
            return out;
        });
    }

    /**
     * {@code native/<name>.c}, compiled, copied into {@code dir} and runnable by every user: the
     * build directory may lie where other users cannot enter (a home directory of mode 0700).
     */
    static Path cForAnyone(String name, Path dir) throws IOException {
        Path copy = Files.copy(c(name), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        return copy;
    }

    /** Extracts the headers of {@code native/} that {@code source} includes, and theirs. */
    private static void extractHeaders(Path source) {
        List<String> headers = Unchecked.call(() -> {
            try (Stream<String> lines = Files.lines(source)) {
                return lines.map(LOCAL_INCLUDE::matcher).filter(Matcher::matches).map(match -> match.group(1)).toList();
            }
        });
        for (String header : headers) {
            extractHeaders(extract(header));
        }
    }

    /** {@code native/<name>.rs}, compiled with rustc. */
    static Path rust(String name) {
        return BUILT.computeIfAbsent(name + ".rs", source -> {
            Path out = BIN.resolve(name);
            Run.of(List.of(rustc(), "-O", "--edition", "2021", "-o", out.toString(), extract(source).toString())).ok();
            return out;
        });
    }

    /** rustc on the PATH, or where rustup puts it. */
    static String rustc() {
        return tool("rustc");
    }

    static String cargo() {
        return tool("cargo");
    }

    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        Path rustup = Path.of(System.getProperty("user.home"), ".cargo", "bin", name);
        if (Files.isExecutable(rustup)) {
            return rustup.toString();
        }
        throw new AssertionError(name + " is needed by this test and is not installed");
    }

    private static Path extract(String source) {
        return Unchecked.call(() -> {
            try (InputStream in = NativePrograms.class.getResourceAsStream("/native/" + source)) {
                if (in == null) {
                    throw new AssertionError("missing test resource native/" + source);
                }
                Files.createDirectories(BIN);
                Path file = BIN.resolve(source);
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return file;
            }
        });
    }
}
