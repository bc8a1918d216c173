/**
 * Network faults between real processes on loopback, where {@code tc netem} and iptables are not
 * at hand: a {@link org.vostok.testing.net.FaultProxy} forwards one link's connections and cuts
 * them (both ways or one way), delays them, or resets them on demand; a {@link
 * org.vostok.testing.net.ProxyMesh} puts one on every directed link between numbered nodes; a
 * {@link org.vostok.testing.net.ProxyFaultTarget} lets a {@code FaultSchedule} drive the mesh and
 * the nodes' processes. Every socket is on 127.0.0.0/8; every buffer and thread is bounded.
 */
package org.vostok.testing.net;
