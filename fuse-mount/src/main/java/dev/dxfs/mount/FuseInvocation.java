package dev.dxfs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The form every FUSE filesystem takes, {@code dxfs SOURCE MOUNTPOINT [-o opt,...] [-f] [-d]}:
 * Debian's mount.fuse runs it for {@code mount -t fuse.dxfs} and fstab lines. Like {@code dxfs
 * mount} it returns once the mount is live, unless asked to stay in the foreground.
 */
@Command(name = "dxfs", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Mount dxfs over MOUNTPOINT in place, the way mount(8) and fstab call FUSE filesystems; "
                + "returns once the mount is live.",
        footer = {"", "SOURCE and MOUNTPOINT are the same directory: dxfs is an overlay in place.",
            "OPTIONS: " + FuseOptions.KNOWN + ", the kernel's flags (ro, nosuid, noexec, ...);",
            "mount(8)'s and systemd's options (defaults, nofail, noauto, _netdev, x-systemd.*, ...) are ignored.",
            "A comma inside a glob is written \\,.",
            "", "Examples:",
            "  dxfs /srv/app/target/dx /srv/app/target/dx -o allow_other,exclude=*.log",
            "  mount -t fuse.dxfs /srv/app/target/dx /srv/app/target/dx -o fsync",
            "  fstab: /srv/app/target/dx /srv/app/target/dx fuse.dxfs defaults,nofail,fsync 0 0"})
final class FuseInvocation implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "The directory to mount over.")
    String source;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "The same directory.")
    String mountPoint;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Mount options, comma-separated (repeatable).")
    List<String> options = new ArrayList<>();

    @Option(names = "-f", description = "Stay in the foreground: serve the mount in this process, log on "
            + "stderr, print 'ready' once the mount is live, unmount on SIGTERM or SIGINT.")
    boolean foreground;

    @Option(names = "-d", description = "Debug log of every staged write and commit; implies -f (as in libfuse).")
    boolean debug;

    /**
     * Whether {@code args} take this form rather than a command: their first operand is not a
     * command's name, and there are two operands (one stray word is a mistyped command).
     */
    static boolean isOne(String[] args, Set<String> commands) {
        List<String> operands = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-o")) {
                i++;
            } else if (!args[i].startsWith("-")) {
                operands.add(args[i]);
            }
        }
        return operands.size() >= 2 && !commands.contains(operands.get(0));
    }

    @Override
    public Integer call() throws CliException {
        Path dir = DirectoryArgument.resolve(mountPoint);
        Path from = DirectoryArgument.resolve(source);
        // Equal paths are left to the mount's own checks: a stale mount point is not a directory
        // until it is recovered.
        if (!from.equals(dir)) {
            if (!Files.isDirectory(from)) {
                throw new CliException("'" + source + "' is neither a dxfs command nor a directory: "
                        + "the commands are listed by dxfs --help");
            }
            if (!sameDirectory(from, dir)) {
                throw new CliException("dxfs mounts in place: SOURCE and MOUNTPOINT must be the same directory, "
                        + "not " + from + " and " + dir + " (write " + dir + " twice)");
            }
        }
        MountOptions mount = FuseOptions.parse(options);
        mount.debug |= debug;
        if (!foreground && !debug) {
            Mounter.mount(mountPoint, mount);
            return 0;
        }
        try (MountLock lock = Mounter.prepare(dir, mount)) {
            List<String> daemon = new ArrayList<>(List.of("daemon", dir.toString()));
            daemon.addAll(mount.asArguments());
            CommandLine commandLine = Main.commandLine(daemon.get(0));
            ((DaemonCommand) commandLine.getSubcommands().get("daemon").getCommand()).onLive = lock::close;
            return commandLine.execute(daemon.toArray(String[]::new));
        }
    }

    /** Two names of one directory (through a link). */
    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    static CommandLine commandLine() {
        return Main.reportingCliErrors(new CommandLine(new FuseInvocation()));
    }
}
