package org.vostok.rsvc.net;

/**
 * What a node does with the service requests that arrive on its port. Called on an event loop:
 * it must not block (hand the work to an executor) and must answer every call exactly once,
 * now or later.
 */
@FunctionalInterface
public interface CallHandler {
    void handle(ServerCall call);
}
