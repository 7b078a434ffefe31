package dev.dxfs.mount;

import dev.dxfs.policy.PathFilter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that shape a mount, shared by the commands that mount. */
final class MountOptions {
    @Option(names = "--include", paramLabel = "GLOB",
            description = "Stage only writes to paths matching GLOB (repeatable; a GLOB without '/' matches "
                    + "file names). Default: all paths.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB",
            description = "Write paths matching GLOB in place, unstaged (repeatable).")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--fsync", description = "Make commits durable: fsync the file before and its directory "
            + "after the rename. Without it commits are atomic but not durable across a power cut.")
    boolean durable;

    @Option(names = "--allow-other", description = "Let other users use the mount (FUSE allow_other; "
            + "permissions are then those of the backing files).")
    boolean allowOther;

    @Option(names = "--transport", paramLabel = "NAME", description = "How the daemon talks to the kernel: "
            + "kernel (its own reader of /dev/fuse, without libfuse; the default) or libfuse (through libfuse 2).")
    String transport = Transport.DEFAULT;

    @Option(names = {"-d", "--debug"}, description = "Log every staged write and commit in the daemon's log.")
    boolean debug;

    @Option(names = "--log-max-size", paramLabel = "SIZE", description = "Roll the daemon's log over when it "
            + "reaches SIZE (such as 10MB or 512KB; at least " + DaemonLog.SMALLEST_CAP + "), keeping " + DaemonLog.KEPT
            + " old ones. Default: " + DaemonLog.DEFAULT_CAP + ".")
    String logMaxSize = DaemonLog.DEFAULT_CAP;

    /**
     * The kernel's mount flags given to the mount(8) form as -o options (ro, nosuid, noexec,
     * ...), carried to the daemon, which hands them to libfuse with its own options.
     */
    @Option(names = "--mount-flag", hidden = true)
    List<String> mountFlags = new ArrayList<>();

    /** Fails with the glob's own message when a glob is not valid. */
    PathFilter filter() throws CliException {
        try {
            return PathFilter.of(includes, excludes);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Fails when the transport has no such name. */
    Transport transport() throws CliException {
        return Transport.named(transport);
    }

    /** The same options as daemon arguments. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>();
        includes.forEach(glob -> args.add("--include=" + glob));
        excludes.forEach(glob -> args.add("--exclude=" + glob));
        if (durable) {
            args.add("--fsync");
        }
        if (allowOther) {
            args.add("--allow-other");
        }
        if (debug) {
            args.add("--debug");
        }
        args.add("--log-max-size=" + logMaxSize);
        args.add("--transport=" + transport);
        mountFlags.forEach(flag -> args.add("--mount-flag=" + flag));
        return args;
    }
}
