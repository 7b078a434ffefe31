import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * dxfs (on each of its transports: libfuse 2, and its own reader of /dev/fuse) against the native
 * filesystem, bindfs (a C passthrough on the same libfuse 2) and the FUSE floor (bench/floor.c, the
 * least a FUSE passthrough costs), on one backing filesystem, interleaved: every repetition runs
 * every setup once, in a rotating order, so that a noisy moment of the machine falls on all of
 * them. Prints medians and ratios, and (unless --quick or --only) writes them to
 * docs/benchmarks.md. Run by bench/run.
 */
public final class Bench {
    enum Setup {
        NATIVE("native", "native", null), BINDFS("bindfs", "bindfs", null),
        BINDFS_MT("bindfs mt", "bindfs mt", null), DXFS("dxfs", "dxfs", "libfuse"),
        DXFS_KERNEL("dxfs kernel", "kernel", "kernel"), FLOOR("the FUSE floor", "floor", null);

        final String label;
        /** Its name in the tables. */
        final String column;
        /** The dxfs transport, or null for a setup that is not dxfs. */
        final String transport;

        Setup(String label, String column, String transport) {
            this.label = label;
            this.column = column;
            this.transport = transport;
        }

        boolean hasDaemon() {
            return this == DXFS || this == DXFS_KERNEL || this == FLOOR;
        }
    }

    /** The ratio columns of the main table, each the first setup's figure over the second's. */
    private static final List<List<Setup>> RATIOS = List.of(
            List.of(Setup.DXFS, Setup.NATIVE), List.of(Setup.DXFS, Setup.BINDFS), List.of(Setup.DXFS, Setup.BINDFS_MT),
            List.of(Setup.DXFS_KERNEL, Setup.NATIVE), List.of(Setup.DXFS_KERNEL, Setup.BINDFS_MT),
            List.of(Setup.DXFS_KERNEL, Setup.DXFS), List.of(Setup.FLOOR, Setup.NATIVE), List.of(Setup.DXFS, Setup.FLOOR),
            List.of(Setup.DXFS_KERNEL, Setup.FLOOR));

    /** A run's work directory is /var/tmp/dxfs-bench.PID.RANDOM, PID the run's own process. */
    private static final Path WORK_PARENT = Path.of("/var/tmp");
    private static final String WORK_PREFIX = "dxfs-bench.";
    /** Room for the largest workload of one setup at a time (a sparse image). */
    private static final String BACKING_SIZE = "8G";

    record Sizes(int seqMb, int randMb, int files, int rewrites, int execs, int treeFiles, int modules, int classes,
                 int reps) {}

    private static final Sizes FULL = new Sizes(512, 64, 10000, 2000, 1000, 1000, 200, 150, 3);
    private static final Sizes QUICK = new Sizes(64, 16, 1000, 200, 100, 200, 20, 20, 1);

    /**
     * A measured figure: a rate, where higher is better, or a wall time, where lower is better.
     * {@code key} names it for --only. One run of it handles {@code operations} of some {@code
     * item} (a file, an exec), where the daemon's CPU time per item says something (0 where not).
     */
    record Metric(String key, String name, String unit, boolean lowerIsBetter, ToIntFunction<Sizes> operations,
                  String item) {
        static Metric rate(String key, String name, String unit) {
            return new Metric(key, name, unit, false, sizes -> 0, null);
        }

        static Metric rate(String key, String name, String unit, ToIntFunction<Sizes> operations, String item) {
            return new Metric(key, name, unit, false, operations, item);
        }

        static Metric wallTime(String key, String name) {
            return new Metric(key, name, "s", true, sizes -> 0, null);
        }

        static Metric wallTime(String key, String name, ToIntFunction<Sizes> operations, String item) {
            return new Metric(key, name, "s", true, operations, item);
        }
    }

    static final Metric SEQ_WRITE = Metric.rate("seqwrite", "sequential write 1 MiB blocks", "MB/s");
    static final Metric SEQ_READ = Metric.rate("seqread", "sequential read, warm", "MB/s");
    static final Metric COLD_READ = Metric.rate("coldread", "sequential read, cold", "MB/s");
    static final Metric RAND_WRITE = Metric.rate("randwrite", "random write 4 KiB", "IOPS");
    static final Metric CREATE = Metric.rate("create", "create", "files/s", Sizes::files, "file");
    static final Metric STAT = Metric.rate("stat", "stat", "files/s", Sizes::files, "file");
    static final Metric STAT_AGAIN = Metric.rate("restat", "stat again, unchanged", "files/s", Sizes::files, "file");
    static final Metric COLD_STAT = Metric.rate("coldstat", "stat of names the kernel has forgotten", "files/s",
            Sizes::files, "file");
    static final Metric UNLINK = Metric.rate("unlink", "unlink", "files/s", Sizes::files, "file");
    static final Metric REWRITE_1 = Metric.rate("rewrite1", "O_TRUNC rewrite of 64 KiB files, 1 writer", "files/s",
            Sizes::rewrites, "file");
    static final Metric REWRITE_4 = Metric.rate("rewrite4", "O_TRUNC rewrite of 64 KiB files, 4 writers", "files/s",
            Sizes::rewrites, "file");
    static final Metric EXEC = Metric.rate("exec", "exec of a program stored there", "execs/s", Sizes::execs, "exec");
    static final Metric GIT_CLONE = Metric.wallTime("git", "git clone --no-hardlinks of a local repository",
            Sizes::treeFiles, "file");
    static final Metric TAR = Metric.wallTime("tar", "tar -x of an archive", Sizes::treeFiles, "file");
    static final Metric CARGO = Metric.wallTime("cargo", "cargo build from an empty target directory");
    static final Metric MAVEN = Metric.wallTime("mvn", "mvn -o package from an empty target directory");

    static final List<Metric> METRICS = List.of(SEQ_WRITE, SEQ_READ, COLD_READ, RAND_WRITE, CREATE, STAT, STAT_AGAIN,
            COLD_STAT, UNLINK, REWRITE_1, REWRITE_4, EXEC, GIT_CLONE, TAR, CARGO, MAVEN);
    /** The --only key of the Java agent's measurements, which are not per setup. */
    private static final String AGENT = "agent";

    private final Path project;
    private final Path work;
    private final Sizes sizes;
    /** The machine's load average over the minute before the run: what else it was doing. */
    private final String loadAtStart;
    /** The keys of the metrics to measure (and "agent"). */
    private final Set<String> only;
    private final Map<String, Map<Setup, List<Double>>> results = new LinkedHashMap<>();
    private final Map<Setup, List<Double>> mountMillis = new EnumMap<>(Setup.class);
    /** The daemon's CPU seconds per workload, by metric key and then by setup. */
    private final Map<String, Map<Setup, List<Double>>> daemonCpu = new LinkedHashMap<>();
    private final Map<Setup, Long> peakRssKib = new EnumMap<>(Setup.class);
    /** The setups a workload failed on (in any repetition), by metric key; and what went wrong. */
    private final Map<String, Set<Setup>> failed = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    /** The agent's figures: "outside"/"inside" write rates and start-up times, without and with it. */
    private final Map<String, List<Double>> withoutAgent = new LinkedHashMap<>();
    private final Map<String, List<Double>> withAgent = new LinkedHashMap<>();

    private Bench(Path project, Path work, Sizes sizes, Set<String> only) throws IOException {
        this.loadAtStart = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        this.project = project;
        this.work = work;
        this.sizes = sizes;
        this.only = only;
    }

    /**
     * Arguments: --quick (small sizes, nothing written), --only KEY,KEY... (those workloads alone).
     * For bench/requests, which counts what the builds send a mount, the builds alone: --builds
     * SOURCES writes the crate and the Maven project there and builds each once; --build cargo|mvn
     * SOURCES TARGET builds one of them into TARGET.
     */
    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        if (arguments.size() == 2 && arguments.get(0).equals("--builds")) {
            generateBuilds(Path.of(arguments.get(1)), FULL);
            return;
        }
        if (arguments.size() == 4 && arguments.get(0).equals("--build")
                && Set.of(CARGO.key(), MAVEN.key()).contains(arguments.get(1))) {
            Path sources = Path.of(arguments.get(2));
            Path target = Path.of(arguments.get(3));
            run(arguments.get(1).equals(CARGO.key()) ? cargoBuild(sources, target) : mavenPackage(sources, target));
            return;
        }
        boolean quick = arguments.contains("--quick");
        Set<String> only = selection(arguments);
        Path project = Path.of("").toAbsolutePath();
        Sizes sizes = quick ? QUICK : FULL;
        clearStaleMounts();
        Path work = Files.createTempDirectory(WORK_PARENT, WORK_PREFIX + ProcessHandle.current().pid() + ".");
        Path image = Path.of(work + ".img");
        mountBackingFilesystem(image, work);
        Bench bench = new Bench(project, work, sizes, only);
        try {
            bench.compileHelpers();
            if (bench.selected(GIT_CLONE) || bench.selected(TAR)) {
                bench.generateTree();
            }
            if (METRICS.stream().anyMatch(metric -> metric != CARGO && metric != MAVEN && bench.selected(metric))) {
                bench.interleaved("file workloads", bench::workloads);
            }
            // The builds have a phase of their own, after a warm-up outside any mount: the cold
            // read drops the page cache, and a build right after it would time reading the
            // compilers and ~/.m2 from disk rather than the mount.
            if (bench.selected(CARGO) || bench.selected(MAVEN)) {
                generateBuilds(work, sizes);
                bench.interleaved("builds", bench::builds);
            }
            for (int rep = 0; rep < sizes.reps() && only.contains(AGENT); rep++) {
                System.err.printf("repetition %d of %d: the Java agent%n", rep + 1, sizes.reps());
                bench.agent(quick);
            }
            String report = bench.report(quick, String.join(" ", args));
            System.out.print(report);
            if (!quick && only.size() == METRICS.size() + 1) {
                Files.writeString(project.resolve("docs/benchmarks.md"), report);
            }
        } finally {
            run(List.of("umount", work.toString()));
            run(List.of("rm", "-rf", work.toString(), image.toString()));
        }
        if (!bench.failures.isEmpty()) {
            System.exit(1);
        }
    }

    /** The keys --only names (--only a,b or --only=a,b), or all of them. */
    private static Set<String> selection(List<String> arguments) {
        Set<String> all = new LinkedHashSet<>();
        METRICS.forEach(metric -> all.add(metric.key()));
        all.add(AGENT);
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            String keys = argument.equals("--only") && i + 1 < arguments.size() ? arguments.get(i + 1)
                    : argument.startsWith("--only=") ? argument.substring("--only=".length()) : null;
            if (keys != null) {
                Set<String> only = new LinkedHashSet<>(List.of(keys.split(",")));
                only.remove("startup");   // bench/run's own part
                if (!all.containsAll(only)) {
                    throw new IllegalArgumentException("--only takes some of " + String.join(",", all) + ",startup");
                }
                return only;
            }
        }
        return all;
    }

    private boolean selected(Metric metric) {
        return only.contains(metric.key());
    }

    /**
     * Every setup works on one fresh ext4, made with mkfs's defaults in a loop-mounted image: a
     * filesystem that a run's own creates and deletes are all that happened to. On an ext4
     * without a journal (some machines' root) the inode allocator skips inodes deleted in the
     * last minutes one by one, and the same native create run measured anywhere from 2,300 to
     * 40,000 files/s depending on where the runs before it had deleted files.
     *
     * <p>The loop device reads and writes its image with direct I/O where it can, as a disk: a buffered
     * loop device copies every block written into the page cache of the image once more, at the
     * fsync that writes it out, and on a virtual machine whose free memory goes back to its host
     * that copy ran at 400 MB/s or at 2,500 depending on what the runs before had freed: the
     * sequential write's {@code end_fsync} took 0.2 s or 1.3 s for any setup, and decided its row.
     */
    private static void mountBackingFilesystem(Path image, Path dir) {
        run(List.of("truncate", "-s", BACKING_SIZE, image.toString()));
        run(List.of("mkfs.ext4", "-q", "-F", image.toString()));
        run(List.of("mount", "-o", "loop", image.toString(), dir.toString()));
        try {
            run(List.of("losetup", "--direct-io=on", loopDevice(dir)));
        } catch (IllegalStateException e) {
            // Where the image's filesystem takes no direct I/O, or has larger sectors: the report says so.
            System.err.println("bench: the loop device stays buffered: " + e.getMessage());
        }
    }

    private static String loopDevice(Path dir) {
        return run(List.of("findmnt", "-n", "-o", "SOURCE", dir.toString())).trim();
    }

    /**
     * A run that was killed may have left its mounts behind: they go before a new run starts,
     * the FUSE mounts first, then the backing filesystems under them, with their images. Those of
     * a run still going stay (its process is named in the path).
     */
    private static void clearStaleMounts() throws IOException {
        List<String> ours = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String mountPoint = line.split(" ")[1];
            String prefix = WORK_PARENT.resolve(WORK_PREFIX).toString();
            if (mountPoint.startsWith(prefix)) {
                String owner = mountPoint.substring(prefix.length()).split("\\.")[0];
                if (!owner.matches("\\d+") || ProcessHandle.of(Long.parseLong(owner)).isEmpty()) {
                    ours.add(0, line);
                }
            }
        }
        for (String line : ours) {
            String mountPoint = line.split(" ")[1];
            if (line.contains(" fuse.")) {
                run(List.of("fusermount", "-uz", mountPoint));
            } else {
                run(List.of("umount", "-l", mountPoint));
                run(List.of("rm", "-rf", mountPoint, mountPoint + ".img"));
            }
        }
    }

    private void compileHelpers() throws IOException {
        Files.createDirectories(work.resolve("bin"));
        for (String helper : List.of("meta", "rewrite", "spawn", "floor")) {
            run(List.of("gcc", "-O2", "-o", bin(helper), project.resolve("bench/" + helper + ".c").toString()));
        }
        Path hello = work.resolve("bin/Hello.java");
        Files.writeString(hello, "public class Hello { public static void main(String[] a) { } }\n");
        run(List.of(javaTool("javac"), "-d", work.resolve("bin").toString(), hello.toString()));
    }

    private static String javaTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    /**
     * The Java agent's cost, without and with it, one after the other: the JMH benchmark of
     * writing and closing 4 KiB files inside and outside its root, and the start-up of a JVM.
     */
    private void agent(boolean quick) throws IOException {
        Path inside = Files.createDirectories(work.resolve("agent/inside"));
        Path outside = Files.createDirectories(work.resolve("agent/outside"));
        String agentJar = project.resolve("agent/target/dxfs-agent.jar").toString();
        String javaagent = "-javaagent:" + agentJar + "=root=" + inside;
        for (boolean agent : List.of(false, true)) {
            Map<String, List<Double>> into = agent ? withAgent : withoutAgent;
            Path json = work.resolve("agent/jmh.json");
            String jvmArgs = "-Dbench.inside=" + inside + " -Dbench.outside=" + outside + (agent ? " " + javaagent : "");
            List<String> jmh = new ArrayList<>(List.of(javaTool("java"), "-jar",
                    project.resolve("agent-bench/target/agent-benchmarks.jar").toString(), "SmallFileWrite", "-f", "1",
                    "-rf", "json", "-rff", json.toString(), "-jvmArgsAppend", jvmArgs));
            jmh.addAll(quick ? List.of("-wi", "1", "-i", "1", "-w", "200ms", "-r", "200ms")
                    : List.of("-wi", "3", "-i", "5", "-w", "1s", "-r", "1s"));
            run(jmh);
            Matcher score = Pattern.compile("\"where\"\\s*:\\s*\"(\\w+)\"[\\s\\S]*?\"score\"\\s*:\\s*([0-9.E]+)")
                    .matcher(Files.readString(json));
            while (score.find()) {
                into.computeIfAbsent(score.group(1), key -> new ArrayList<>()).add(Double.parseDouble(score.group(2)));
            }
        }
        Map<String, String> jvms = new LinkedHashMap<>();
        jvms.put(startUpKey(Runtime.version().feature()), javaTool("java"));
        newestOtherJdk().ifPresent(home -> jvms.put(startUpKey(feature(home)), home.resolve("bin/java").toString()));
        for (int i = 0; i < (quick ? 2 : 10); i++) {
            for (Map.Entry<String, String> jvm : jvms.entrySet()) {
                for (boolean agent : List.of(false, true)) {
                    List<String> hello = new ArrayList<>(List.of(jvm.getValue()));
                    if (agent) {
                        hello.add(javaagent);
                    }
                    hello.addAll(List.of("-cp", work.resolve("bin").toString(), "Hello"));
                    long start = System.nanoTime();
                    run(hello);
                    (agent ? withAgent : withoutAgent).computeIfAbsent(jvm.getKey(), key -> new ArrayList<>())
                            .add((System.nanoTime() - start) / 1e6);
                }
            }
        }
    }

    private static String startUpKey(int feature) {
        return "start-up, Java " + feature;
    }

    /** The newest JDK installed beside the one running this, whose start-up with the agent is measured too. */
    private static Optional<Path> newestOtherJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")) && Files.exists(home.resolve("release")))
                    .filter(home -> feature(home) > Runtime.version().feature())
                    .max(Comparator.comparingInt(Bench::feature));
        }
    }

    /** The feature release a JDK's release file names ({@code JAVA_VERSION="25.0.3"}). */
    private static int feature(Path home) {
        try {
            Matcher version = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(home.resolve("release")));
            return version.find() ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private String bin(String helper) {
        return work.resolve("bin").resolve(helper).toString();
    }

    private interface Phase {
        void run(Setup setup, Path dir, long daemon) throws Exception;
    }

    /** Runs {@code phase} under every setup, once per repetition, in an order rotating with it. */
    private void interleaved(String name, Phase phase) throws Exception {
        for (int rep = 0; rep < sizes.reps(); rep++) {
            Setup[] order = Setup.values();
            for (int i = 0; i < order.length; i++) {
                Setup setup = order[(i + rep) % order.length];
                System.err.printf("repetition %d of %d: %s, %s%n", rep + 1, sizes.reps(), name, setup.label);
                runSetup(setup, phase);
            }
        }
    }

    /** Mounts {@code setup} over a fresh directory, runs {@code phase} there, unmounts. */
    private void runSetup(Setup setup, Phase phase) throws Exception {
        Path base = work.resolve(setup.name());
        run(List.of("rm", "-rf", base.toString()));
        Path backing = Files.createDirectories(base.resolve("backing"));
        Path dir = backing;
        long daemon = -1;
        switch (setup) {
            case NATIVE -> { }
            case BINDFS, BINDFS_MT -> {
                dir = Files.createDirectories(base.resolve("mnt"));
                List<String> command = new ArrayList<>(List.of("bindfs"));
                if (setup == Setup.BINDFS_MT) {
                    command.addAll(List.of("--multithreaded", "-o", "big_writes"));
                }
                command.addAll(List.of(backing.toString(), dir.toString()));
                run(command);
            }
            case DXFS, DXFS_KERNEL -> {
                long start = System.nanoTime();
                run(List.of(project.resolve("dxfs").toString(), "mount", "--transport", setup.transport,
                        backing.toString()));
                mountMillis.computeIfAbsent(setup, key -> new ArrayList<>()).add((System.nanoTime() - start) / 1e6);
                Matcher pid = Pattern.compile("\"pid\":(\\d+)").matcher(
                        run(List.of(project.resolve("dxfs").toString(), "status", backing.toString())));
                daemon = pid.find() ? Long.parseLong(pid.group(1)) : -1;
            }
            case FLOOR -> {
                dir = Files.createDirectories(base.resolve("mnt"));
                long start = System.nanoTime();
                daemon = Long.parseLong(run(List.of(bin("floor"), backing.toString(), dir.toString())).trim());
                Files.readAttributes(dir, "unix:ino");   // the mount is live once the daemon has answered INIT
                mountMillis.computeIfAbsent(setup, key -> new ArrayList<>()).add((System.nanoTime() - start) / 1e6);
            }
        }
        try {
            phase.run(setup, dir, daemon);
            if (daemon > 0) {
                peakRssKib.merge(setup, statusField(daemon, "VmHWM:"), Math::max);
            }
        } finally {
            switch (setup) {
                case NATIVE -> { }
                case BINDFS, BINDFS_MT -> run(List.of("fusermount", "-u", dir.toString()));
                case DXFS, DXFS_KERNEL -> run(List.of(project.resolve("dxfs").toString(), "unmount",
                        backing.toString()));
                case FLOOR -> run(List.of("umount", dir.toString()));
            }
        }
    }

    private void workloads(Setup setup, Path dir, long daemon) throws Exception {
        String seq = "--size=" + sizes.seqMb() + "M";
        // The reads read the file the sequential write wrote (fio lays it out first if they run alone).
        // The write makes its file at its own open, as a build writes an output, rather than
        // writing into a file fio laid out (preallocated) and closed before: through the mount
        // that is an edit of the laid-out file, natively a write into its preallocation.
        measured(setup, daemon, SEQ_WRITE, () -> fioRate(fio(dir, "seq", "--rw=write", "--bs=1M", seq,
                "--end_fsync=1", "--create_on_open=1"), "write", "bw_bytes") / 1e6);
        // fio drops a file's cached pages before it reads (invalidate=1): natively the warm read
        // then read the disk, through a mount the backing file's pages stayed.
        measured(setup, daemon, SEQ_READ, () -> fioRate(fio(dir, "seq", "--rw=read", "--bs=1M", seq,
                "--invalidate=0"), "read", "bw_bytes") / 1e6);
        measured(setup, daemon, COLD_READ, () -> dropCaches("3"),
                () -> fioRate(fio(dir, "seq", "--rw=read", "--bs=1M", seq), "read", "bw_bytes") / 1e6);
        measured(setup, daemon, RAND_WRITE, () -> fioRate(fio(dir, "rand", "--rw=randwrite", "--bs=4k",
                "--size=" + sizes.randMb() + "M"), "write", "iops"));
        if (Stream.of(CREATE, STAT, STAT_AGAIN, COLD_STAT, UNLINK).anyMatch(this::selected)) {
            Path meta = Files.createDirectories(dir.resolve("meta"));
            Workload create = () -> metaPhase(meta, "create");
            if (selected(CREATE)) {
                measured(setup, daemon, CREATE, create);
            } else {
                create.run();
            }
            measured(setup, daemon, STAT, () -> metaPhase(meta, "stat"));
            measured(setup, daemon, STAT_AGAIN, () -> metaPhase(meta, "stat"));
            // Dentries and inodes dropped (the page cache kept): natively each stat is a lookup in
            // ext4's directory, on a FUSE mount each one reaches the daemon as a LOOKUP.
            measured(setup, daemon, COLD_STAT, () -> dropCaches("2"), () -> metaPhase(meta, "stat"));
            measured(setup, daemon, UNLINK, () -> metaPhase(meta, "unlink"));
        }
        if (selected(REWRITE_1) || selected(REWRITE_4)) {
            Path rewrites = Files.createDirectories(dir.resolve("rewrite"));
            String n = Integer.toString(sizes.rewrites());
            run(List.of(bin("rewrite"), rewrites.toString(), n, "0"));
            measured(setup, daemon, REWRITE_1, () -> lastNumber(run(List.of(bin("rewrite"), rewrites.toString(), n, "1"))));
            measured(setup, daemon, REWRITE_4, () -> lastNumber(run(List.of(bin("rewrite"), rewrites.toString(), n, "4"))));
        }
        Path program = dir.resolve("true");
        measured(setup, daemon, EXEC, () -> Files.copy(Path.of("/bin/true"), program),
                () -> lastNumber(run(List.of(bin("spawn"), program.toString(), Integer.toString(sizes.execs())))));
        // The sources are read into the page cache first: the cold read above dropped it.
        measured(setup, daemon, GIT_CLONE, () -> warm(work.resolve("tree")), () -> wallSeconds(List.of("git", "clone",
                "-q", "--no-hardlinks", work.resolve("tree").toString(), dir.resolve("clone").toString())));
        Path untar = dir.resolve("untar");
        measured(setup, daemon, TAR, () -> {
            warm(work.resolve("tree.tar"));
            Files.createDirectories(untar);
        }, () -> wallSeconds(List.of("tar", "-xf", work.resolve("tree.tar").toString(), "-C", untar.toString())));
    }

    /** Runs fio's job {@code name} (which names its file) in {@code dir}; returns its JSON report. */
    private static String fio(Path dir, String name, String... job) {
        List<String> command = new ArrayList<>(List.of("fio", "--name=" + name, "--directory=" + dir,
                "--output-format=json"));
        command.addAll(List.of(job));
        return run(command);
    }

    private double metaPhase(Path dir, String phase) {
        return lastNumber(run(List.of(bin("meta"), dir.toString(), Integer.toString(sizes.files()), phase)));
    }

    /** Writes back what is dirty, then drops clean caches: "3" the page cache too, "2" dentries and inodes. */
    private static void dropCaches(String what) throws IOException {
        run(List.of("sync"));
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), what);
    }

    /** Reads every file below {@code root}, so that a workload reading them does not wait for the disk. */
    private static void warm(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.readAllBytes(file);
            }
        }
    }

    /** Each build starts from an empty target directory in the mount; the sources stay outside. */
    private void builds(Setup setup, Path dir, long daemon) throws Exception {
        measured(setup, daemon, CARGO, () -> wallSeconds(cargoBuild(work, dir.resolve("cargo-target"))));
        measured(setup, daemon, MAVEN, () -> wallSeconds(mavenPackage(work, dir.resolve("maven-target"))));
    }

    /**
     * The tree that git clones and tar extracts: {@code treeFiles} source-like text files of 1 to
     * 16 KiB in directories of 50, committed to a repository whose objects are packed, as a
     * cloned repository's are; and the same files (without .git) in a tar archive.
     */
    private void generateTree() throws IOException {
        Path tree = work.resolve("tree");
        for (int i = 0; i < sizes.treeFiles(); i++) {
            Path file = tree.resolve(String.format("d%03d/f%04d.txt", i / 50, i));
            Files.createDirectories(file.getParent());
            StringBuilder text = new StringBuilder();
            for (int line = 0; text.length() < 1024 * (1 + i * 37 % 16); line++) {
                text.append("file ").append(i).append(", line ").append(line).append(": ").append(i * 31L + line * 17L)
                        .append('\n');
            }
            Files.writeString(file, text);
        }
        run(List.of("tar", "-cf", work.resolve("tree.tar").toString(), "-C", tree.toString(), "."));
        run(List.of("git", "-C", tree.toString(), "init", "-q"));
        run(List.of("git", "-C", tree.toString(), "add", "-A"));
        run(List.of("git", "-C", tree.toString(), "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit",
                "-q", "-m", "tree"));
        run(List.of("git", "-C", tree.toString(), "gc", "-q"));
    }

    /** The build of the crate that {@link #generateBuilds} wrote in {@code sources}. */
    private static List<String> cargoBuild(Path sources, Path targetDir) {
        return List.of("cargo", "build", "--offline", "--quiet", "--manifest-path",
                sources.resolve("crate/Cargo.toml").toString(), "--target-dir", targetDir.toString());
    }

    /** The build of the Maven project that {@link #generateBuilds} wrote in {@code sources}. */
    private static List<String> mavenPackage(Path sources, Path targetDir) {
        return List.of("mvn", "-o", "-B", "-q", "-f", sources.resolve("maven/pom.xml").toString(),
                "-Dbench.target=" + targetDir, "package");
    }

    private static double wallSeconds(List<String> command) {
        long start = System.nanoTime();
        run(command);
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Writes the crate and the Maven project the builds time, and builds each once outside any
     * mount: that reads the compilers into the page cache, writes Cargo.lock next to the sources,
     * and checks that both build before anything is timed.
     */
    private static void generateBuilds(Path sources, Sizes sizes) throws IOException {
        Path src = Files.createDirectories(sources.resolve("crate/src"));
        Files.writeString(sources.resolve("crate/Cargo.toml"), """
                [package]
                name = "generated"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                """);
        StringBuilder mods = new StringBuilder();
        StringBuilder checks = new StringBuilder();
        for (int i = 0; i < sizes.modules(); i++) {
            Files.writeString(src.resolve("m" + i + ".rs"), RUST_MODULE.replace("NUM", Integer.toString(i)));
            mods.append("mod m").append(i).append(";\n");
            checks.append("        m").append(i).append("::checksum,\n");
        }
        Files.writeString(src.resolve("main.rs"), mods + """

                fn main() {
                    let n = std::env::args().count() as u64;
                    let checks: [fn(u64) -> u64; %d] = [
                %s    ];
                    println!("{}", checks.iter().fold(0u64, |sum, f| sum.wrapping_add(f(n))));
                }
                """.formatted(sizes.modules(), checks));

        Path classes = Files.createDirectories(sources.resolve("maven/src/main/java/bench"));
        Files.writeString(sources.resolve("maven/pom.xml"), POM);
        StringBuilder calls = new StringBuilder();
        for (int i = 0; i < sizes.classes(); i++) {
            Files.writeString(classes.resolve("C" + i + ".java"), JAVA_CLASS.replace("NUM", Integer.toString(i)));
            calls.append("        total += C").append(i).append(".checksum(args.length);\n");
        }
        Files.writeString(classes.resolve("Main.java"), """
                package bench;

                public final class Main {
                    public static void main(String[] args) {
                        long total = 0;
                %s        System.out.println(total);
                    }
                }
                """.formatted(calls));

        run(cargoBuild(sources, sources.resolve("warm-up/cargo")));
        run(mavenPackage(sources, sources.resolve("warm-up/maven")));
    }

    /** One module of the crate, {@code NUM} its number: a generic struct, a trait, closures, a hash map. */
    private static final String RUST_MODULE = """
            use std::collections::HashMap;
            use std::fmt::Debug;
            use std::hash::Hash;

            #[derive(Debug, Clone, PartialEq)]
            pub struct Record<T> {
                pub id: u64,
                pub label: String,
                pub values: Vec<T>,
            }

            pub trait Score {
                fn score(&self) -> u64;
            }

            impl<T: Clone + Debug + PartialOrd> Record<T> {
                pub fn new(id: u64, values: Vec<T>) -> Self {
                    Record { id, label: format!("record NUM-{}", id), values }
                }

                pub fn largest(&self) -> Option<&T> {
                    self.values.iter().fold(None, |best, v| match best {
                        Some(b) if b >= v => Some(b),
                        _ => Some(v),
                    })
                }

                pub fn map<U, F: Fn(&T) -> U>(&self, f: F) -> Record<U> {
                    Record { id: self.id, label: self.label.clone(), values: self.values.iter().map(f).collect() }
                }
            }

            impl Score for Record<u64> {
                fn score(&self) -> u64 {
                    self.values.iter().sum::<u64>() + self.id + self.label.len() as u64
                }
            }

            pub fn histogram<T: Hash + Eq + Clone>(items: &[T]) -> HashMap<T, usize> {
                let mut counts = HashMap::new();
                for item in items {
                    *counts.entry(item.clone()).or_insert(0) += 1;
                }
                counts
            }

            pub fn checksum(n: u64) -> u64 {
                let record = Record::new(n, (0..n % 17 + 3).map(|k| k * NUM + n).collect::<Vec<u64>>());
                let doubled = record.map(|v| v * 2);
                let words = record.map(|v| format!("{:x}", v % 7));
                doubled.score() + histogram(&words.values).len() as u64 + record.largest().copied().unwrap_or(0)
            }
            """;

    /** One class of the Maven project, {@code NUM} its number: a record, a generic class, lambdas, streams. */
    private static final String JAVA_CLASS = """
            package bench;

            import java.util.List;
            import java.util.Map;
            import java.util.function.Function;
            import java.util.stream.Collectors;
            import java.util.stream.LongStream;

            public final class CNUM {
                public record Item(long id, String label, List<Long> values) {}

                public interface Scored {
                    long score();
                }

                public static final class Box<T extends Comparable<T>> implements Scored {
                    private final List<T> items;

                    public Box(List<T> items) {
                        this.items = List.copyOf(items);
                    }

                    public T largest() {
                        return items.stream().max(Comparable::compareTo).orElseThrow();
                    }

                    public <U extends Comparable<U>> Box<U> map(Function<T, U> f) {
                        return new Box<>(items.stream().map(f).toList());
                    }

                    @Override
                    public long score() {
                        return items.size() * 31L + largest().hashCode();
                    }
                }

                public static <K> Map<K, Long> histogram(List<Long> values, Function<Long, K> key) {
                    return values.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
                }

                public static long checksum(long n) {
                    Item item = new Item(n, "item NUM", LongStream.range(0, n % 17 + 3).map(k -> k * NUM + n).boxed().toList());
                    Box<Long> doubled = new Box<>(item.values()).map(v -> v * 2);
                    return doubled.score() + histogram(item.values(), v -> Long.toHexString(v % 7)).size();
                }
            }
            """;

    /**
     * The plugin versions are the ones the project's own build uses, so that they are in the local
     * repository and {NUMcode mvn -o} finds them; the target directory is given on the command line.
     */
    private static final String POM = """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <groupId>bench</groupId>
              <artifactId>generated</artifactId>
              <version>1</version>
              <properties>
                <maven.compiler.release>17</maven.compiler.release>
                <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
              </properties>
              <build>
                <directory>${bench.target}</directory>
                <plugins>
                  <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
                  <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                  <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version></plugin>
                  <plugin><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
                </plugins>
              </build>
            </project>
            """;

    private interface Workload {
        double run() throws Exception;
    }

    private interface Step {
        void run() throws Exception;
    }

    private void measured(Setup setup, long daemon, Metric metric, Workload workload) throws Exception {
        measured(setup, daemon, metric, () -> { }, workload);
    }

    /**
     * Unless --only leaves {@code metric} out: runs {@code before} (not measured), then the
     * workload, and records its figure and the daemon's CPU time for it. A workload that fails is
     * recorded as failed, and the run goes on: one setup's error (shown in the report, and in the
     * exit status) does not lose the other figures of a long run.
     */
    private void measured(Setup setup, long daemon, Metric metric, Step before, Workload workload) throws Exception {
        if (!selected(metric)) {
            return;
        }
        double cpuBefore;
        double figure;
        try {
            before.run();
            cpuBefore = daemon > 0 ? cpuSeconds(daemon) : 0;
            figure = workload.run();
        } catch (Exception e) {
            failed.computeIfAbsent(metric.key(), key -> EnumSet.noneOf(Setup.class)).add(setup);
            failures.add(setup.column + ", " + metric.name() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString()));
            System.err.println("bench: failed: " + failures.get(failures.size() - 1));
            return;
        }
        if (daemon > 0) {
            daemonCpu.computeIfAbsent(metric.key(), key -> new EnumMap<>(Setup.class))
                    .computeIfAbsent(setup, key -> new ArrayList<>()).add(cpuSeconds(daemon) - cpuBefore);
        }
        results.computeIfAbsent(metric.key(), key -> new EnumMap<>(Setup.class))
                .computeIfAbsent(setup, key -> new ArrayList<>()).add(figure);
    }

    private static double fioRate(String json, String direction, String field) {
        Matcher matcher = Pattern.compile("\"" + direction + "\"\\s*:\\s*\\{[^{}]*?\"" + field + "\"\\s*:\\s*([0-9.]+)")
                .matcher(json);
        if (!matcher.find()) {
            throw new IllegalStateException("no " + direction + " " + field + " in fio's output: " + json);
        }
        return Double.parseDouble(matcher.group(1));
    }

    private static double lastNumber(String output) {
        String[] fields = output.trim().split("\\s+");
        return Double.parseDouble(fields[fields.length - 1]);
    }

    /** User and system CPU seconds of process {@code pid} so far. */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static long statusField(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private String report(boolean quick, String args) throws Exception {
        StringBuilder out = new StringBuilder("# dxfs benchmarks\n\n");
        out.append("Measured by `bench/run").append(args.isEmpty() ? "" : " " + args).append("` on ")
                .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE)).append(": ")
                .append(machine(work)).append(", load average ").append(loadAtStart).append(" at the start. Medians of ")
                .append(sizes.reps()).append(" interleaved repetitions")
                .append(quick ? " (the quick form CI runs: small sizes, figures not meaningful)" : "")
                .append(". Sizes: ").append(sizes.seqMb()).append(" MiB sequential, ").append(sizes.randMb())
                .append(" MiB random, ").append(sizes.files()).append(" files in 100 directories, ")
                .append(sizes.rewrites()).append(" rewrites, ").append(sizes.execs()).append(" execs, a tree of ")
                .append(sizes.treeFiles()).append(" files of 1 to 16 KiB for git and tar, a crate of ")
                .append(sizes.modules()).append(" modules, a Maven project of ").append(sizes.classes())
                .append(" classes.\n\n")
                .append("\"bindfs\" is bindfs's default (single-threaded, 4 KiB writes), \"bindfs mt\" is ")
                .append("`--multithreaded -o big_writes`. \"dxfs\" is dxfs on libfuse 2 (`--transport libfuse`), ")
                .append("\"kernel\" is dxfs on its own transport (`--transport kernel`, the default). \"floor\" is the FUSE floor, ")
                .append("`bench/floor.c`: the least a FUSE passthrough costs here, a single-threaded daemon in C of a few ")
                .append("hundred lines without libfuse that answers each request from /dev/fuse with the one system ")
                .append("call it asks for (nodes are O_PATH descriptors), with 10 s entry and attribute timeouts and, as ")
                .append("root, the kernel's passthrough of reads and writes (`FUSE_PASSTHROUGH`, so that they never reach ")
                .append("it). \"stat\" stats the files right after their create, whose writes made the kernel forget their ")
                .append("attributes (on a FUSE mount, a GETATTR each); \"stat again\" does it once more, the files ")
                .append("unchanged (the kernel answers, where the daemon lets it cache); \"stat of names the kernel has ")
                .append("forgotten\" once more after dropping dentries and inodes (`drop_caches` 2, the page cache ")
                .append("kept): on a FUSE mount every one is a LOOKUP the daemon answers. Rates: higher is better, a ratio above 1 means the first is faster. ")
                .append("Wall times (s): lower is better, a ratio below 1 means the first is faster.\n\n");
        out.append("| workload");
        for (Setup setup : Setup.values()) {
            out.append(" | ").append(setup.column);
        }
        for (List<Setup> ratio : RATIOS) {
            out.append(" | ").append(ratio.get(0).column).append(" / ").append(ratio.get(1).column);
        }
        out.append(" |\n|---").append("|---".repeat(Setup.values().length + RATIOS.size())).append("|\n");
        for (Metric metric : METRICS) {
            if (!results.containsKey(metric.key()) && !failed.containsKey(metric.key())) {
                continue;
            }
            Map<Setup, Double> row = new EnumMap<>(Setup.class);
            Set<Setup> failedOn = failed.getOrDefault(metric.key(), Set.of());
            for (Setup setup : Setup.values()) {
                row.put(setup, failedOn.contains(setup) ? Double.NaN
                        : median(results.getOrDefault(metric.key(), Map.of()), setup));
            }
            out.append("| ").append(metric.name()).append(" (").append(metric.unit())
                    .append(metric.lowerIsBetter() ? ", lower is better)" : ")");
            for (Setup setup : Setup.values()) {
                out.append(" | ").append(failedOn.contains(setup) ? "failed"
                        : figure(metric.lowerIsBetter() ? "%.2f" : "%.0f", row.get(setup)));
            }
            for (List<Setup> ratio : RATIOS) {
                out.append(" | ").append(figure("%.2f", row.get(ratio.get(0)) / row.get(ratio.get(1))));
            }
            out.append(" |\n");
        }
        if (!failures.isEmpty()) {
            out.append("\nFailed:\n\n");
            failures.forEach(failure -> out.append("- ").append(failure).append('\n'));
        }
        if (!withAgent.isEmpty()) {
            agentTable(out);
        }
        List<Setup> daemons = Stream.of(Setup.values()).filter(Setup::hasDaemon).toList();
        out.append("\n| daemon");
        daemons.forEach(setup -> out.append(" | ").append(setup.column));
        out.append(" |\n|---").append("|---".repeat(daemons.size())).append("|\n");
        out.append("| until the mount is live (median; `dxfs mount`, the floor's mount(2) and INIT)");
        daemons.forEach(setup -> out.append(" | ").append(figure("%.0f ms", median(mountMillis, setup))));
        out.append(" |\n| peak RSS (VmHWM) over the run");
        daemons.forEach(setup -> out.append(" | ").append(peakRssKib.containsKey(setup)
                ? String.format("%.1f MiB", peakRssKib.get(setup) / 1024.0) : "n/a"));
        out.append(" |\n");
        for (Metric metric : METRICS) {
            Map<Setup, List<Double>> cpu = daemonCpu.get(metric.key());
            if (cpu == null) {
                continue;
            }
            int operations = metric.operations().applyAsInt(sizes);
            out.append("| CPU time, ").append(metric.name())
                    .append(operations > 0 ? " (median; per " + metric.item() + ")" : " (median)");
            for (Setup setup : daemons) {
                double seconds = median(cpu, setup);
                out.append(" | ").append(figure("%.2f s", seconds))
                        .append(operations > 0 && !Double.isNaN(seconds)
                                ? String.format(", %.0f µs", seconds * 1e6 / operations) : "");
            }
            out.append(" |\n");
        }
        return out.toString();
    }

    private void agentTable(StringBuilder out) {
        out.append("\n| Java agent | without | with | ratio or difference | target |\n|---|---|---|---|---|\n");
        double outsideBefore = median(withoutAgent.get("outside"));
        double outsideAfter = median(withAgent.get("outside"));
        out.append(String.format("| write and close a 4 KiB file outside the roots (ops/s) | %.0f | %.0f | %.2f | >= 0.98 |%n",
                outsideBefore, outsideAfter, outsideAfter / outsideBefore));
        double insideBefore = median(withoutAgent.get("inside"));
        double insideAfter = median(withAgent.get("inside"));
        out.append(String.format("| write and close a 4 KiB file inside a root, staged (ops/s; the ratio is the time a "
                + "staged write takes over a plain one) | %.0f | %.0f | %.2f | <= 1.5 |%n",
                insideBefore, insideAfter, insideBefore / insideAfter));
        for (String startUp : withAgent.keySet().stream().filter(key -> key.startsWith("start-up")).sorted().toList()) {
            double startBefore = median(withoutAgent.get(startUp));
            double startAfter = median(withAgent.get(startUp));
            out.append(String.format("| JVM %s, an empty main (ms, median of %d) | %.0f | %.0f | +%.0f ms | <= +150 ms |%n",
                    startUp, withAgent.get(startUp).size(), startBefore, startAfter, startAfter - startBefore));
        }
    }

    /** The median of {@code setup}'s figures in {@code row}, NaN when it has none. */
    private static double median(Map<Setup, List<Double>> row, Setup setup) {
        List<Double> values = row.get(setup);
        return values == null || values.isEmpty() ? Double.NaN : median(values);
    }

    private static String figure(String format, double value) {
        return Double.isNaN(value) ? "n/a" : String.format(format, value);
    }

    private static String machine(Path work) throws IOException {
        String cpus = Integer.toString(Runtime.getRuntime().availableProcessors());
        String memory = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
        return cpus + " CPUs, " + memory + ", kernel " + run(List.of("uname", "-r")).trim() + ", backing "
                + run(List.of("findmnt", "-n", "-o", "FSTYPE", "--target", work.toString())).trim()
                + " (a fresh loop-mounted image, mkfs defaults, the loop device "
                + (directLoop(work) ? "in direct I/O" : "buffered") + "), "
                + run(List.of("bindfs", "--version")).trim().split("\n")[0] + ", "
                + run(List.of("fio", "--version")).trim();
    }

    private static boolean directLoop(Path work) throws IOException {
        Path dio = Path.of("/sys/block", Path.of(loopDevice(work)).getFileName().toString(), "loop/dio");
        return Files.exists(dio) && Files.readString(dio).trim().equals("1");
    }

    /** Runs a command, fails on a non-zero exit, returns its standard output. */
    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException(command + " exited " + process.exitValue() + "; its output:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
