package dev.dxfs.fuse;

import java.util.List;

/**
 * What a mount asks of FUSE, whichever transport makes it. Every mount has the kernel check
 * permissions from the files' modes (default_permissions), and {@code name} is both its source
 * and its subtype, so /proc/mounts shows it as {@code name} of type {@code fuse.name}.
 *
 * @param mountPoint the directory mounted over (a byte string, {@link Names})
 * @param allowOther whether users other than the daemon's may use the mount
 * @param mountFlags the kernel's mount flags by their mount(8) names: ro, noexec, nosuid, ...
 * @param maxIo the largest read or write request, in bytes
 */
public record MountSettings(String mountPoint, String name, boolean allowOther, List<String> mountFlags, int maxIo) {}
