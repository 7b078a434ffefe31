import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dxfs against the native filesystem and bindfs (a C passthrough on the same libfuse 2), on one
 * backing filesystem, interleaved: every repetition runs every setup once, in a rotating order,
 * so that a noisy moment of the machine falls on all of them. Prints medians and ratios, and
 * (unless --quick) writes them to docs/benchmarks.md. Run by bench/run.
 */
public final class Bench {
    enum Setup {
        NATIVE("native"), BINDFS("bindfs"), BINDFS_MT("bindfs mt"), DXFS("dxfs");

        final String label;

        Setup(String label) {
            this.label = label;
        }
    }

    private static final String WORK_PREFIX = "dxfs-bench-";

    record Sizes(int seqMb, int randMb, int files, int rewrites, int execs, int reps) {}

    /** A measured figure: higher is better for all of them. */
    record Metric(String name, String unit) {}

    static final List<Metric> METRICS = List.of(
            new Metric("sequential write 1 MiB blocks", "MB/s"),
            new Metric("sequential read, warm", "MB/s"),
            new Metric("sequential read, cold", "MB/s"),
            new Metric("random write 4 KiB", "IOPS"),
            new Metric("create", "files/s"),
            new Metric("stat", "files/s"),
            new Metric("unlink", "files/s"),
            new Metric("O_TRUNC rewrite of 64 KiB files, 1 writer", "files/s"),
            new Metric("O_TRUNC rewrite of 64 KiB files, 4 writers", "files/s"),
            new Metric("exec of a program stored there", "execs/s"));

    private final Path project;
    private final Path work;
    private final Sizes sizes;
    private final Map<String, Map<Setup, List<Double>>> results = new LinkedHashMap<>();
    private final List<Double> mountMillis = new ArrayList<>();
    private final Map<String, List<Double>> daemonCpu = new LinkedHashMap<>();
    private long peakRssKib;
    /** The agent's figures: "outside"/"inside" write rates and start-up times, without and with it. */
    private final Map<String, List<Double>> withoutAgent = new LinkedHashMap<>();
    private final Map<String, List<Double>> withAgent = new LinkedHashMap<>();

    private Bench(Path project, Path work, Sizes sizes) {
        this.project = project;
        this.work = work;
        this.sizes = sizes;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        Path project = Path.of("").toAbsolutePath();
        Sizes sizes = quick ? new Sizes(64, 16, 1000, 200, 100, 1) : new Sizes(512, 64, 10000, 2000, 1000, 3);
        clearStaleMounts();
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), WORK_PREFIX);
        Bench bench = new Bench(project, work, sizes);
        try {
            bench.compileHelpers();
            for (int rep = 0; rep < sizes.reps(); rep++) {
                Setup[] order = Setup.values();
                for (int i = 0; i < order.length; i++) {
                    Setup setup = order[(i + rep) % order.length];
                    System.err.printf("repetition %d of %d: %s%n", rep + 1, sizes.reps(), setup.label);
                    bench.runSetup(setup);
                }
            }
            for (int rep = 0; rep < sizes.reps(); rep++) {
                System.err.printf("repetition %d of %d: the Java agent%n", rep + 1, sizes.reps());
                bench.agent(quick);
            }
            String report = bench.report(quick, String.join(" ", args));
            System.out.print(report);
            if (!quick) {
                Files.writeString(project.resolve("docs/benchmarks.md"), report);
            }
        } finally {
            run(List.of("rm", "-rf", work.toString()));
        }
    }

    /** A run that was killed may have left its mounts behind: they go before a new run starts. */
    private static void clearStaleMounts() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String mountPoint = line.split(" ")[1];
            if (mountPoint.startsWith("/var/tmp/" + WORK_PREFIX) && line.contains(" fuse.")) {
                run(List.of("fusermount", "-uz", mountPoint));
            }
        }
    }

    private void compileHelpers() throws IOException {
        Files.createDirectories(work.resolve("bin"));
        for (String helper : List.of("meta", "rewrite", "spawn")) {
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
        for (int i = 0; i < (quick ? 2 : 10); i++) {
            for (boolean agent : List.of(false, true)) {
                List<String> hello = new ArrayList<>(List.of(javaTool("java")));
                if (agent) {
                    hello.add(javaagent);
                }
                hello.addAll(List.of("-cp", work.resolve("bin").toString(), "Hello"));
                long start = System.nanoTime();
                run(hello);
                (agent ? withAgent : withoutAgent).computeIfAbsent("start-up", key -> new ArrayList<>())
                        .add((System.nanoTime() - start) / 1e6);
            }
        }
    }

    private String bin(String helper) {
        return work.resolve("bin").resolve(helper).toString();
    }

    /** Mounts {@code setup} over a fresh directory, runs every workload there, unmounts. */
    private void runSetup(Setup setup) throws Exception {
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
            case DXFS -> {
                long start = System.nanoTime();
                run(List.of(project.resolve("dxfs").toString(), "mount", backing.toString()));
                mountMillis.add((System.nanoTime() - start) / 1e6);
                Matcher pid = Pattern.compile("\"pid\":(\\d+)").matcher(
                        run(List.of(project.resolve("dxfs").toString(), "status", backing.toString())));
                daemon = pid.find() ? Long.parseLong(pid.group(1)) : -1;
            }
        }
        try {
            workloads(setup, dir, daemon);
            if (daemon > 0) {
                peakRssKib = Math.max(peakRssKib, statusField(daemon, "VmHWM:"));
            }
        } finally {
            switch (setup) {
                case NATIVE -> { }
                case BINDFS, BINDFS_MT -> run(List.of("fusermount", "-u", dir.toString()));
                case DXFS -> run(List.of(project.resolve("dxfs").toString(), "unmount", backing.toString()));
            }
        }
    }

    private void workloads(Setup setup, Path dir, long daemon) throws Exception {
        String fio = "fio";
        String seq = "--size=" + sizes.seqMb() + "M";
        measured(setup, daemon, 0, () -> fioRate(run(List.of(fio, "--name=seq", "--directory=" + dir, "--rw=write",
                "--bs=1M", seq, "--end_fsync=1", "--output-format=json")), "write", "bw_bytes") / 1e6);
        measured(setup, daemon, 1, () -> fioRate(run(List.of(fio, "--name=seq", "--directory=" + dir, "--rw=read",
                "--bs=1M", seq, "--output-format=json")), "read", "bw_bytes") / 1e6);
        measured(setup, daemon, 2, () -> {
            run(List.of("sync"));
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return fioRate(run(List.of(fio, "--name=seq", "--directory=" + dir, "--rw=read", "--bs=1M", seq,
                    "--output-format=json")), "read", "bw_bytes") / 1e6;
        });
        measured(setup, daemon, 3, () -> fioRate(run(List.of(fio, "--name=rand", "--directory=" + dir,
                "--rw=randwrite", "--bs=4k", "--size=" + sizes.randMb() + "M", "--output-format=json")), "write",
                "iops"));
        Path meta = Files.createDirectories(dir.resolve("meta"));
        Map<String, Double> rates = new LinkedHashMap<>();
        measured(setup, daemon, 4, () -> {
            for (String line : run(List.of(bin("meta"), meta.toString(), Integer.toString(sizes.files()))).split("\n")) {
                String[] fields = line.split(" ");
                rates.put(fields[0], Double.parseDouble(fields[1]));
            }
            return rates.get("create");
        });
        record(setup, 5, rates.get("stat"));
        record(setup, 6, rates.get("unlink"));
        Path rewrites = Files.createDirectories(dir.resolve("rewrite"));
        String n = Integer.toString(sizes.rewrites());
        run(List.of(bin("rewrite"), rewrites.toString(), n, "0"));
        measured(setup, daemon, 7, () -> lastNumber(run(List.of(bin("rewrite"), rewrites.toString(), n, "1"))));
        measured(setup, daemon, 8, () -> lastNumber(run(List.of(bin("rewrite"), rewrites.toString(), n, "4"))));
        Path program = dir.resolve("true");
        Files.copy(Path.of("/bin/true"), program);
        measured(setup, daemon, 9, () -> lastNumber(run(List.of(bin("spawn"), program.toString(),
                Integer.toString(sizes.execs())))));
    }

    private interface Workload {
        double run() throws Exception;
    }

    /** Runs one workload and records its figure, and the daemon's CPU time for it. */
    private void measured(Setup setup, long daemon, int metric, Workload workload) throws Exception {
        double cpuBefore = daemon > 0 ? cpuSeconds(daemon) : 0;
        record(setup, metric, workload.run());
        if (daemon > 0) {
            daemonCpu.computeIfAbsent(METRICS.get(metric).name(), key -> new ArrayList<>())
                    .add(cpuSeconds(daemon) - cpuBefore);
        }
    }

    private void record(Setup setup, int metric, double value) {
        results.computeIfAbsent(METRICS.get(metric).name(), key -> new EnumMap<>(Setup.class))
                .computeIfAbsent(setup, key -> new ArrayList<>()).add(value);
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
                .append(machine()).append(". Medians of ").append(sizes.reps()).append(" interleaved repetitions")
                .append(quick ? " (the quick form CI runs: small sizes, figures not meaningful)" : "")
                .append(". Sizes: ").append(sizes.seqMb()).append(" MiB sequential, ").append(sizes.randMb())
                .append(" MiB random, ").append(sizes.files()).append(" files in 100 directories, ")
                .append(sizes.rewrites()).append(" rewrites, ").append(sizes.execs()).append(" execs.\n\n")
                .append("\"bindfs\" is bindfs's default (single-threaded, 4 KiB writes), \"bindfs mt\" is ")
                .append("`--multithreaded -o big_writes`. Higher is better everywhere; a ratio above 1 means dxfs ")
                .append("is faster.\n\n");
        out.append("| workload | native | bindfs | bindfs mt | dxfs | dxfs / native | dxfs / bindfs | dxfs / bindfs mt |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        for (Metric metric : METRICS) {
            Map<Setup, List<Double>> row = results.get(metric.name());
            out.append("| ").append(metric.name()).append(" (").append(metric.unit()).append(")");
            for (Setup setup : Setup.values()) {
                out.append(String.format(" | %.0f", median(row.get(setup))));
            }
            double dxfs = median(row.get(Setup.DXFS));
            for (Setup peer : List.of(Setup.NATIVE, Setup.BINDFS, Setup.BINDFS_MT)) {
                out.append(String.format(" | %.2f", dxfs / median(row.get(peer))));
            }
            out.append(" |\n");
        }
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
        double startBefore = median(withoutAgent.get("start-up"));
        double startAfter = median(withAgent.get("start-up"));
        out.append(String.format("| JVM start-up, an empty main (ms, median of %d) | %.0f | %.0f | +%.0f ms | <= +150 ms |%n",
                withAgent.get("start-up").size(), startBefore, startAfter, startAfter - startBefore));
        out.append("\n| dxfs daemon | |\n|---|---|\n");
        out.append(String.format("| `dxfs mount` until the mount is live (median) | %.0f ms |%n", median(mountMillis)));
        out.append(String.format("| peak RSS (VmHWM) over the run | %.0f MiB |%n", peakRssKib / 1024.0));
        for (Map.Entry<String, List<Double>> cpu : daemonCpu.entrySet()) {
            out.append(String.format("| CPU time, %s (median) | %.2f s |%n", cpu.getKey(), median(cpu.getValue())));
        }
        return out.toString();
    }

    private static String machine() throws IOException {
        String cpus = Integer.toString(Runtime.getRuntime().availableProcessors());
        String memory = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
        return cpus + " CPUs, " + memory + ", kernel " + run(List.of("uname", "-r")).trim() + ", backing "
                + run(List.of("findmnt", "-n", "-o", "FSTYPE", "--target", "/var/tmp")).trim() + ", "
                + run(List.of("bindfs", "--version")).trim().split("\n")[0] + ", "
                + run(List.of("fio", "--version")).trim();
    }

    /** Runs a command, fails on a non-zero exit, returns its standard output. */
    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException(command + " exited " + process.exitValue());
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
