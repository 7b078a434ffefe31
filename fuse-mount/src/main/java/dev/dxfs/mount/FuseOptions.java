package dev.dxfs.mount;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code -o} options of the mount(8) form, as an fstab line, mount(8) and mount.fuse hand
 * them over. Three kinds arrive together: dxfs's own (the command line's options under FUSE
 * names), the kernel's mount flags (passed on to the mount), and options that belong to mount(8)
 * or systemd, which read them before dxfs runs and pass some of them on anyway.
 */
final class FuseOptions {
    static final String KNOWN = "allow_other, fsync, debug, include=GLOB, exclude=GLOB, transport=NAME";

    private static final Set<String> MOUNT_FLAGS = Set.of(
            "rw", "ro", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
            "async", "sync", "dirsync", "atime", "noatime");
    private static final Set<String> NOT_OURS = Set.of(
            "defaults", "auto", "noauto", "nofail", "user", "users", "nouser", "owner", "group", "_netdev",
            // What other FUSE filesystems need in fstab and dxfs always does.
            "nonempty", "default_permissions");
    private static final List<String> NOT_OURS_PREFIXES = List.of("x-", "comment=");

    private FuseOptions() {}

    /** The mount options that {@code -o} values (each a comma-separated list) ask for. */
    static MountOptions parse(List<String> values) throws CliException {
        MountOptions mount = new MountOptions();
        for (String value : values) {
            for (String option : split(value)) {
                apply(option, mount);
            }
        }
        return mount;
    }

    private static void apply(String option, MountOptions mount) throws CliException {
        int equals = option.indexOf('=');
        String name = equals < 0 ? option : option.substring(0, equals);
        String argument = equals < 0 ? null : option.substring(equals + 1);
        switch (name) {
            case "allow_other" -> mount.allowOther = flag(option, argument);
            case "fsync" -> mount.durable = flag(option, argument);
            case "debug" -> mount.debug = flag(option, argument);
            case "include" -> mount.includes.add(glob(option, argument));
            case "exclude" -> mount.excludes.add(glob(option, argument));
            case "transport" -> mount.transport = Transport.named(value(option, argument)).name().toLowerCase(Locale.ROOT);
            default -> {
                if (MOUNT_FLAGS.contains(option)) {
                    mount.mountFlags.add(option);
                } else if (!option.isEmpty() && !NOT_OURS.contains(option)
                        && NOT_OURS_PREFIXES.stream().noneMatch(option::startsWith)) {
                    throw new CliException("unknown mount option '" + option + "': dxfs takes " + KNOWN
                            + ", the kernel's flags (" + String.join(", ", MOUNT_FLAGS.stream().sorted().toList())
                            + "), and ignores mount(8)'s and systemd's (defaults, nofail, noauto, _netdev, x-*, ...)");
                }
            }
        }
    }

    private static boolean flag(String option, String argument) throws CliException {
        if (argument != null) {
            throw new CliException("mount option '" + option + "' takes no value: write it alone");
        }
        return true;
    }

    private static String value(String option, String argument) throws CliException {
        if (argument == null || argument.isEmpty()) {
            throw new CliException("mount option '" + option + "' needs a value: " + option + "=NAME");
        }
        return argument;
    }

    private static String glob(String option, String argument) throws CliException {
        if (argument == null || argument.isEmpty()) {
            throw new CliException("mount option '" + option + "' needs a glob: " + option + "=GLOB");
        }
        return argument;
    }

    /** Splits at commas, except those escaped as {@code \,} (a glob such as {@code *.{a\,b}}). */
    private static List<String> split(String value) {
        List<String> options = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (c == ',') {
                options.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        options.add(current.toString());
        return options;
    }
}
