package dev.dxfs.mount;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's control socket: a Unix socket in a per-user directory that answers every
 * connection with the status JSON, for {@code dxfs status} and {@code dxfs unmount}.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final Path socket;
    private final ServerSocketChannel channel;

    private ControlServer(Path socket, ServerSocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    static ControlServer start(Path socket, Supplier<String> status) throws IOException {
        RuntimePaths.createPrivateDirectory(socket.getParent());
        // A daemon that was killed leaves its socket behind; this mount point is ours now.
        Files.deleteIfExists(socket);
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(socket));
        ControlServer server = new ControlServer(socket, channel);
        Thread thread = new Thread(() -> server.serve(status), "dxfs-control");
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    private void serve(Supplier<String> status) {
        while (channel.isOpen()) {
            try (SocketChannel client = channel.accept()) {
                client.write(ByteBuffer.wrap((status.get() + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                if (channel.isOpen()) {
                    LOG.debug("control connection failed: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("closing the control socket failed: {}", e.toString());
        }
    }
}
