/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The protocol between the application (HsLab) and handshake-lab-helper.
 *
 * Plain C with fixed-size integers only: the helper is built without GLib.
 *
 * The application creates a socketpair (AF_UNIX, SOCK_SEQPACKET, so every
 * message keeps its boundaries) and starts the helper with its end as file
 * descriptor 3 (HS_LAB_CONTROL_FD) and no arguments. The helper then:
 *
 *  1. sets PR_SET_PDEATHSIG(SIGKILL), so it dies with the thread that
 *     started it (start it from a thread that lives as long as the lab);
 *  2. enters a new network namespace (plain CLONE_NEWNET when it may, else
 *     CLONE_NEWUSER | CLONE_NEWNET with uid/gid maps of one id each), sets
 *     it up as the "client" host, then a second one as the "server" host;
 *  3. sends one HsLabReply with op HS_LAB_OP_READY: error 0 when both hosts
 *     are up, else the errno of the step named in `what`, and exits.
 *
 * After READY the application sends one HsLabRequest at a time and reads one
 * HsLabReply for it before sending the next. A reply carries n_fds (0 or 1)
 * file descriptors as SCM_RIGHTS ancillary data. A failed request gets a
 * reply with the errno in `error` and a short description in `what`; the
 * helper keeps running. The helper exits when the socket is closed or
 * fails, and never touches the network configuration of the namespace it
 * was started in.
 */

#include <stdint.h>

/* clang-format off */

#define HS_LAB_CONTROL_FD 3
#define HS_LAB_MAGIC      0x424c5348u /* "HSLB" in little-endian byte order */
#define HS_LAB_VERSION    1

/* The two hosts, numbered as HsSide (client 0, server 1). */
enum
{
  HS_LAB_HOST_CLIENT = 0,
  HS_LAB_HOST_SERVER = 1,
};

enum
{
  /* Reply only: the first message, once the namespaces are set up. */
  HS_LAB_OP_READY = 1,
  /* The host's TUN device (IFF_TUN | IFF_NO_PI): one fd. The helper keeps
   * its own copy, so the device lives until both are closed. */
  HS_LAB_OP_GET_TUN = 2,
  /* A new NETLINK_SOCK_DIAG socket opened in the host's namespace: one fd. */
  HS_LAB_OP_GET_SOCK_DIAG = 3,
  /* A new TCP socket (SOCK_STREAM, close-on-exec, blocking) of `family`
   * (AF_INET or AF_INET6) created in the host's namespace: one fd. With
   * HS_LAB_SOCKET_BIND it is bound to addr/port first (SO_REUSEADDR set). */
  HS_LAB_OP_NEW_SOCKET = 4,
};

enum
{
  HS_LAB_SOCKET_BIND = 1 << 0,
};

/* Flags of the READY reply. */
enum
{
  HS_LAB_READY_IPV6 = 1 << 0, /* the hosts have IPv6 addresses too */
  HS_LAB_READY_USERNS = 1 << 1, /* a user namespace was needed */
};

typedef struct
{
  uint32_t magic;   /* HS_LAB_MAGIC */
  uint16_t version; /* HS_LAB_VERSION */
  uint16_t op;      /* HS_LAB_OP_* */
  uint32_t host;    /* HS_LAB_HOST_* */
  int32_t family;   /* AF_INET or AF_INET6, for NEW_SOCKET */
  uint32_t flags;   /* HS_LAB_SOCKET_* */
  uint8_t addr[16]; /* for HS_LAB_SOCKET_BIND: 4 or 16 bytes, network order */
  uint16_t port;    /* for HS_LAB_SOCKET_BIND: host byte order; 0 = any */
  uint16_t reserved;
} HsLabRequest;

typedef struct
{
  uint32_t magic;   /* HS_LAB_MAGIC */
  uint16_t version; /* HS_LAB_VERSION */
  uint16_t op;      /* the request's op, or HS_LAB_OP_READY */
  int32_t error;    /* 0, or an errno value */
  uint32_t n_fds;   /* file descriptors attached (0 or 1) */
  uint32_t flags;   /* HS_LAB_READY_* for READY, else 0 */
  char what[84];    /* NUL-terminated: the step that failed, e.g. "open /dev/net/tun" */
} HsLabReply;

/* The hosts' addresses, the same in every lab. */
#define HS_LAB_CLIENT_IPV4 "10.0.0.1"
#define HS_LAB_SERVER_IPV4 "10.0.0.2"
#define HS_LAB_CLIENT_IPV6 "fd00::1"
#define HS_LAB_SERVER_IPV6 "fd00::2"
/* The name of the TUN device in each namespace. */
#define HS_LAB_TUN_NAME "lab0"

/* clang-format on */
