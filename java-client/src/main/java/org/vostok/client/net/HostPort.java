package org.vostok.client.net;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A "host:port" address as written in configs and hints; resolved only when connecting. Port 0 means any free port (for listening). */
public record HostPort(String host, int port) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("an address needs a host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 0..65535");
        }
    }

    /**
     * Parses "host:port" (or "[v6]:port"); {@link IllegalArgumentException} saying what is wrong.
     */
    public static HostPort parse(String text) {
        Objects.requireNonNull(text, "address");
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("address '" + text + "' is not host:port (e.g. 10.0.0.5:7070)");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address '" + text + "' has no numeric port after the last ':'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("address '" + text + "': port " + port + " is not 0..65535");
        }
        return new HostPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
