package dev.dxfs.mount;

import dev.dxfs.demo.Demo;
import dev.dxfs.demo.DemoMount;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "The dx serve race of Dioxus issue 5275, twice: several dx-like instances copy a server binary into one shared directory and run it, first on a plain directory, then inside a dxfs mount. Prints the failures (ETXTBSY, EPERM, ENOEXEC, torn binaries) of each side by side, and apart from them the tool's own races (each round also writes a web build into W/public as dx does: instances remove a directory another is filling, or rename a temp file another already renamed), which dxfs does not fix. Needs rustc.",
        footer = {"", "Examples:", "  dxfs demo", "  dxfs demo --instances 8 --rounds 50 --work-dir /var/tmp", "  dxfs demo --runs 3 --also-in bindfs=/mnt/bindfs"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--instances", defaultValue = "" + Demo.DEFAULT_INSTANCES,
            description = "dx-like instances running at once (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--rounds", defaultValue = "" + Demo.DEFAULT_ROUNDS,
            description = "Rounds per instance (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--runs", defaultValue = "1",
            description = "Runs on each side, the sides taking turns (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of the instances' start offsets and copy names, the same on every side (default: a random one, printed).")
    long seed = new SplittableRandom().nextLong();

    @Option(names = "--also-in", paramLabel = "NAME=DIR",
            description = "Also runs each turn in a new directory inside DIR, such as another filesystem's mount, "
                    + "shown as a column named NAME between the plain directory and dxfs; may be repeated.")
    Map<String, Path> alsoIn = new LinkedHashMap<>();

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where the demo builds and runs, in a new directory removed at the end "
                    + "(default: the system's temp directory).")
    Path workDir = Path.of(System.getProperty("java.io.tmpdir"));

    @Override
    public Integer call() throws CliException {
        if (instances < 2 || rounds < 1 || runs < 1) {
            throw new CliException("the race needs --instances of at least 2, --rounds and --runs of at least 1");
        }
        return Demo.run(new DemoMount() {
            @Override
            public void mount(Path dir) throws CliException {
                Mounter.mount(dir.toString(), new MountOptions());
            }

            @Override
            public void unmount(Path dir) throws CliException {
                Mounter.unmount(dir.toString(), false);
            }
        }, System.out, instances, rounds, runs, seed, absolute(alsoIn), workDir.toAbsolutePath());
    }

    private static Map<String, Path> absolute(Map<String, Path> dirs) {
        Map<String, Path> absolute = new LinkedHashMap<>();
        dirs.forEach((name, dir) -> absolute.put(name, dir.toAbsolutePath()));
        return absolute;
    }
}
