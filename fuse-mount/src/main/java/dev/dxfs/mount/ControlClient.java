package dev.dxfs.mount;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Asks a mount's daemon for its status over the control socket. */
final class ControlClient {
    private ControlClient() {}

    /** The daemon's status as JSON, or null when no daemon answers for this mount point. */
    static String status(Path mountPoint) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(RuntimePaths.socketFor(mountPoint)));
            StringBuilder json = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                json.append(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
            }
            return json.toString().trim();
        } catch (IOException e) {
            return null;
        }
    }

    static long daemonPid(Path mountPoint) {
        String status = status(mountPoint);
        return status == null ? -1 : StatusJson.number(status, "pid");
    }
}
