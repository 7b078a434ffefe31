package dev.dxfs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * The directory a command names, resolved the one way every command resolves it, as {@code
 * realpath -m} does: relative to the working directory, symbolic links followed (a {@code ..}
 * after a link goes up from the link's target), {@code .}, {@code ..} and repeated or trailing
 * slashes removed. What cannot be looked at (a name that does not exist, a directory this user
 * may not search) is taken as it is written. A mount point is never a link (a mount follows
 * links to where it goes), so it is not looked at either: the mount may be stale, its daemon
 * gone while another process holds its connection, and then a look would never return. So
 * {@code dxfs mount LINK}, {@code dxfs status LINK} and {@code dxfs unmount LINK} all name the
 * directory LINK points to, the one the mount table lists.
 */
final class DirectoryArgument {
    /** As the kernel's limit on links followed in one path walk (ELOOP). */
    private static final int MAX_LINKS = 40;

    private DirectoryArgument() {}

    static Path resolve(String argument) throws CliException {
        if (argument.isEmpty()) {
            // It would name the current directory, which nobody means by leaving it out.
            throw new CliException("the directory argument is empty");
        }
        Path written;
        try {
            written = Path.of(argument).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new CliException(argument + ": the name cannot be decoded in this locale's encoding ("
                    + System.getProperty("sun.jnu.encoding") + "): use a UTF-8 locale (LC_ALL=C.UTF-8)");
        }
        Deque<String> names = new ArrayDeque<>();
        written.forEach(name -> names.add(name.toString()));
        Set<Path> mountPoints = MountTable.mountPoints();
        Path resolved = written.getRoot();
        int links = 0;
        while (!names.isEmpty()) {
            String name = names.removeFirst();
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                resolved = resolved.getParent() == null ? resolved : resolved.getParent();
                continue;
            }
            Path next = resolved.resolve(name);
            if (mountPoints.contains(next) || !Files.isSymbolicLink(next)) {
                resolved = next;
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new CliException(written + ": too many levels of symbolic links (a link that points "
                        + "back at itself?)");
            }
            Path target;
            try {
                target = Files.readSymbolicLink(next);
            } catch (IOException e) {
                throw new CliException(next + ": cannot read the symbolic link: " + e.getMessage());
            }
            for (int i = target.getNameCount() - 1; i >= 0; i--) {
                names.addFirst(target.getName(i).toString());
            }
            if (target.isAbsolute()) {
                resolved = target.getRoot();
            }
        }
        return resolved;
    }
}
