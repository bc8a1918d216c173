package org.vostok.client.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Netty transport this process uses: epoll where the kernel and the native library have
 * it, NIO otherwise (said once in the log, with the reason). {@code -Dvostok.net.transport=nio}
 * forces NIO.
 */
public final class NettyIo {

    private static final Logger LOG = LoggerFactory.getLogger(NettyIo.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    private static final boolean EPOLL = chooseEpoll();

    private NettyIo() {
    }

    private static boolean chooseEpoll() {
        String forced = System.getProperty("vostok.net.transport", "");
        if (forced.equalsIgnoreCase("nio")) {
            return false;
        }
        try {
            return Epoll.isAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    /** True when the epoll transport is in use. */
    public static boolean epoll() {
        logOnce();
        return EPOLL;
    }

    private static void logOnce() {
        if (LOGGED.compareAndSet(false, true)) {
            if (EPOLL) {
                LOG.info("network: Netty's epoll transport");
            } else {
                Throwable why = null;
                try {
                    why = Epoll.unavailabilityCause();
                } catch (Throwable e) {
                    why = e;
                }
                LOG.info("network: Netty's NIO transport ({})", System.getProperty("vostok.net.transport", "")
                        .equalsIgnoreCase("nio") ? "forced by -Dvostok.net.transport=nio"
                        : "epoll is not available: " + why);
            }
        }
    }

    /** A group of {@code threads} event loops (daemon threads named {@code name-N}). */
    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends ServerChannel> serverChannel() {
        return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
