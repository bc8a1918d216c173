package org.vostok.client.wire;

import io.netty.handler.codec.DecoderException;

/** Bytes on a connection that are not a frame this version reads; the connection is closed. */
public final class FrameException extends DecoderException {
    private static final long serialVersionUID = 1L;

    public FrameException(String message) {
        super(message);
    }
}
