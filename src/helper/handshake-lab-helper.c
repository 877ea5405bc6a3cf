/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * handshake-lab-helper: the two private hosts of Handshake's lab network.
 *
 * The application (HsLab in src/net/hs-lab.c) starts this program with one
 * end of an AF_UNIX SOCK_SEQPACKET socketpair as file descriptor 3. The
 * program creates two network namespaces, "client" (10.0.0.1, fd00::1) and
 * "server" (10.0.0.2, fd00::2), each with `lo` up and a TUN device "lab0"
 * holding the host's address and a route to the other host. Nothing joins
 * the two TUN devices: the application reads every packet from one and
 * writes it into the other (HsWire). The program then hands out, on
 * request, the TUN descriptors, a NETLINK_SOCK_DIAG socket per namespace
 * and new TCP sockets created in either namespace. The messages are defined
 * in src/net/hs-lab-protocol.h.
 *
 * A GTK process has threads, and unshare(CLONE_NEWUSER) fails in a process
 * with more than one thread: that is why this is a separate program. It
 * stays single-threaded (libc and libmnl only), dies with its parent
 * (PR_SET_PDEATHSIG) and exits when the socket closes. The namespaces
 * vanish once this process and every descriptor it handed out are gone.
 *
 * Inside each namespace it sets (see set_host_sysctls()):
 *   net.ipv4.tcp_syn_retries = 8, net.ipv4.tcp_synack_retries = 8
 *     so that a segment held on the wire for a minute does not make the
 *     kernel give up on the connection (the defaults, 6 and 5, give up
 *     after about 30 s of backoff);
 *   net.ipv4.tcp_syn_linear_timeouts = 0 (Linux >= 6.5)
 *     so that SYNs are retransmitted after 1, 3, 7, 15 s, the doubling the
 *     textbooks and RFC 6298 describe, instead of four linear 1 s retries;
 *   net.ipv6.conf.{default,lab0}.addr_gen_mode = 1, accept_dad = 0,
 *   router_solicitations = 0
 *     so that the TUN device gets no link-local address and sends no
 *     neighbour discovery: only the hosts' own traffic crosses the wire.
 */

#define _GNU_SOURCE

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
/* Before any linux/ header, which then leaves struct ifreq to it. */
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "hs-lab-protocol.h"

typedef struct
{
  const char *ipv4[2]; /* own, peer */
  const char *ipv6[2];
} HostAddresses;

static const HostAddresses host_addresses[2] = {
  [HS_LAB_HOST_CLIENT] = { { HS_LAB_CLIENT_IPV4, HS_LAB_SERVER_IPV4 },
                           { HS_LAB_CLIENT_IPV6, HS_LAB_SERVER_IPV6 } },
  [HS_LAB_HOST_SERVER] = { { HS_LAB_SERVER_IPV4, HS_LAB_CLIENT_IPV4 },
                           { HS_LAB_SERVER_IPV6, HS_LAB_CLIENT_IPV6 } },
};

static const char *const host_names[2] = { "client", "server" };

typedef struct
{
  int control;
  int netns[2];
  int tun[2];
  bool ipv6;
  bool userns;
  char what[sizeof ((HsLabReply *) 0)->what];
} Helper;

static void set_what (Helper *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
set_what (Helper *self, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vsnprintf (self->what, sizeof self->what, format, args);
  va_end (args);
}

static int
write_file (const char *path, const char *text)
{
  size_t len = strlen (text);
  ssize_t written;
  int fd, errsv;

  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  written = write (fd, text, len);
  errsv = errno;
  close (fd);
  if (written < 0)
    return -errsv;
  return written == (ssize_t) len ? 0 : -EIO;
}

static int
send_reply (Helper *self, uint16_t op, int error, int fd, uint32_t flags)
{
  HsLabReply reply;
  struct iovec iov = { &reply, sizeof reply };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = { 0 };

  memset (&reply, 0, sizeof reply);
  reply.magic = HS_LAB_MAGIC;
  reply.version = HS_LAB_VERSION;
  reply.op = op;
  reply.error = error;
  reply.flags = flags;
  if (error != 0)
    memcpy (reply.what, self->what, sizeof reply.what - 1);

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (error == 0 && fd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &fd, sizeof fd);
      reply.n_fds = 1;
    }

  while (sendmsg (self->control, &msg, MSG_NOSIGNAL) < 0)
    {
      if (errno != EINTR)
        return -errno;
    }
  return 0;
}

/* Sends one rtnetlink request and waits for its acknowledgement. */
static int
rtnl_talk (struct mnl_socket *nl, struct nlmsghdr *nlh)
{
  static unsigned int seq;
  char buf[MNL_SOCKET_BUFFER_SIZE];
  unsigned int portid = mnl_socket_get_portid (nl);
  ssize_t len;

  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = ++seq;
  if (mnl_socket_sendto (nl, nlh, nlh->nlmsg_len) < 0)
    return -errno;

  for (;;)
    {
      int ret;

      len = mnl_socket_recvfrom (nl, buf, sizeof buf);
      if (len < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      ret = mnl_cb_run (buf, len, nlh->nlmsg_seq, portid, NULL, NULL);
      if (ret < 0)
        return -errno;
      if (ret == MNL_CB_STOP)
        return 0;
    }
}

static int
link_set_up (struct mnl_socket *nl, int ifindex)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
  struct ifinfomsg *ifm;

  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  ifm = mnl_nlmsg_put_extra_header (nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = ifindex;
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  return rtnl_talk (nl, nlh);
}

static int
parse_address (int family, const char *text, void *out)
{
  return inet_pton (family, text, out) == 1 ? 0 : -EINVAL;
}

static int
address_add (struct mnl_socket *nl, int ifindex, int family, const char *text)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
  struct ifaddrmsg *ifa;
  unsigned char addr[16];
  size_t addr_len = family == AF_INET ? 4 : 16;
  int ret;

  if ((ret = parse_address (family, text, addr)) < 0)
    return ret;

  nlh->nlmsg_type = RTM_NEWADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
  ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  ifa->ifa_family = family;
  /* A host address: the route to the peer is added explicitly. */
  ifa->ifa_prefixlen = addr_len * 8;
  ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  mnl_attr_put (nlh, IFA_LOCAL, addr_len, addr);
  mnl_attr_put (nlh, IFA_ADDRESS, addr_len, addr);
  return rtnl_talk (nl, nlh);
}

static int
route_add (struct mnl_socket *nl,
           int ifindex,
           int family,
           const char *dst_text,
           const char *src_text)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf);
  struct rtmsg *rtm;
  unsigned char dst[16], src[16];
  size_t addr_len = family == AF_INET ? 4 : 16;
  int ret;

  if ((ret = parse_address (family, dst_text, dst)) < 0 ||
      (ret = parse_address (family, src_text, src)) < 0)
    return ret;

  nlh->nlmsg_type = RTM_NEWROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
  rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  rtm->rtm_family = family;
  rtm->rtm_dst_len = addr_len * 8;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_STATIC;
  rtm->rtm_scope = RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put (nlh, RTA_DST, addr_len, dst);
  mnl_attr_put (nlh, RTA_PREFSRC, addr_len, src);
  mnl_attr_put_u32 (nlh, RTA_OIF, ifindex);
  return rtnl_talk (nl, nlh);
}

static void
set_sysctl (const char *path, const char *value, bool optional)
{
  int ret = write_file (path, value);

  if (ret < 0 && !(optional && ret == -ENOENT))
    fprintf (stderr, "handshake-lab-helper: %s = %s: %s\n", path, value, strerror (-ret));
}

static void
set_host_sysctls (void)
{
  set_sysctl ("/proc/sys/net/ipv4/tcp_syn_retries", "8", false);
  set_sysctl ("/proc/sys/net/ipv4/tcp_synack_retries", "8", false);
  /* Linux >= 6.5 only. */
  set_sysctl ("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "0", true);
  /* Before the TUN device exists, so that it inherits them; missing when
   * IPv6 is disabled. */
  set_sysctl ("/proc/sys/net/ipv6/conf/default/addr_gen_mode", "1", true);
  set_sysctl ("/proc/sys/net/ipv6/conf/default/accept_dad", "0", true);
  set_sysctl ("/proc/sys/net/ipv6/conf/default/router_solicitations", "0", true);
}

/* Sets up the namespace the process is in as @host. */
static int
setup_host (Helper *self, int host)
{
  const HostAddresses *addresses = &host_addresses[host];
  struct mnl_socket *nl = NULL;
  struct ifreq ifr;
  int ifindex, ret = 0;

  set_host_sysctls ();

  nl = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == NULL || mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      ret = -errno;
      set_what (self, "%s: open rtnetlink", host_names[host]);
      goto out;
    }

  if ((ret = link_set_up (nl, (int) if_nametoindex ("lo"))) < 0)
    {
      set_what (self, "%s: bring lo up", host_names[host]);
      goto out;
    }

  /* The TUN device belongs to the namespace of the process that opens
   * /dev/net/tun, which is this host's now. */
  self->tun[host] = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (self->tun[host] < 0)
    {
      ret = -errno;
      set_what (self, "%s: open /dev/net/tun", host_names[host]);
      goto out;
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy (ifr.ifr_name, HS_LAB_TUN_NAME, IFNAMSIZ - 1);
  if (ioctl (self->tun[host], TUNSETIFF, &ifr) < 0)
    {
      ret = -errno;
      set_what (self, "%s: create TUN device", host_names[host]);
      goto out;
    }
  ifindex = (int) if_nametoindex (ifr.ifr_name);
  if (ifindex == 0)
    {
      ret = -errno;
      set_what (self, "%s: find TUN device", host_names[host]);
      goto out;
    }

  if ((ret = link_set_up (nl, ifindex)) < 0)
    {
      set_what (self, "%s: bring %s up", host_names[host], ifr.ifr_name);
      goto out;
    }
  if ((ret = address_add (nl, ifindex, AF_INET, addresses->ipv4[0])) < 0)
    {
      set_what (self, "%s: add address %s", host_names[host], addresses->ipv4[0]);
      goto out;
    }
  if ((ret = route_add (nl, ifindex, AF_INET, addresses->ipv4[1], addresses->ipv4[0])) < 0)
    {
      set_what (self, "%s: add route to %s", host_names[host], addresses->ipv4[1]);
      goto out;
    }

  /* IPv6 is a bonus: a kernel booted with ipv6.disable=1 still has a lab. */
  if (self->ipv6)
    {
      char path[128];

      snprintf (path, sizeof path, "/proc/sys/net/ipv6/conf/%s/addr_gen_mode", ifr.ifr_name);
      set_sysctl (path, "1", true);
      ret = address_add (nl, ifindex, AF_INET6, addresses->ipv6[0]);
      if (ret == 0)
        ret = route_add (nl, ifindex, AF_INET6, addresses->ipv6[1], addresses->ipv6[0]);
      if (ret < 0)
        {
          fprintf (stderr, "handshake-lab-helper: %s: no IPv6: %s\n", host_names[host],
                   strerror (-ret));
          self->ipv6 = false;
          ret = 0;
        }
    }

out:
  if (nl != NULL)
    mnl_socket_close (nl);
  return ret;
}

static int
enter_first_namespace (Helper *self)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  char map[64];
  int ret;

  /* With CAP_SYS_ADMIN (root) a network namespace alone does. */
  if (unshare (CLONE_NEWNET) == 0)
    return 0;
  if (errno != EPERM)
    {
      set_what (self, "unshare(CLONE_NEWNET)");
      return -errno;
    }

  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    {
      set_what (self, "unshare(CLONE_NEWUSER | CLONE_NEWNET)");
      return -errno;
    }
  self->userns = true;

  /* The user keeps their own ids inside, so that sock_diag reports their
   * sockets with their uid; the capabilities come with the namespace. */
  if ((ret = write_file ("/proc/self/setgroups", "deny")) < 0 && ret != -ENOENT)
    {
      set_what (self, "write /proc/self/setgroups");
      return ret;
    }
  snprintf (map, sizeof map, "%u %u 1\n", (unsigned) uid, (unsigned) uid);
  if ((ret = write_file ("/proc/self/uid_map", map)) < 0)
    {
      set_what (self, "write /proc/self/uid_map");
      return ret;
    }
  snprintf (map, sizeof map, "%u %u 1\n", (unsigned) gid, (unsigned) gid);
  if ((ret = write_file ("/proc/self/gid_map", map)) < 0)
    {
      set_what (self, "write /proc/self/gid_map");
      return ret;
    }
  return 0;
}

static int
setup (Helper *self)
{
  int ret;

  if ((ret = enter_first_namespace (self)) < 0)
    return ret;

  self->ipv6 = access ("/proc/sys/net/ipv6", F_OK) == 0;

  for (int host = HS_LAB_HOST_CLIENT; host <= HS_LAB_HOST_SERVER; host++)
    {
      /* The second namespace belongs to the same user namespace as the
       * first, so the capabilities needed to set it up and to setns()
       * between the two are already there. */
      if (host == HS_LAB_HOST_SERVER && unshare (CLONE_NEWNET) < 0)
        {
          set_what (self, "server: unshare(CLONE_NEWNET)");
          return -errno;
        }
      self->netns[host] = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
      if (self->netns[host] < 0)
        {
          set_what (self, "%s: open /proc/self/ns/net", host_names[host]);
          return -errno;
        }
      if ((ret = setup_host (self, host)) < 0)
        return ret;
    }

  return 0;
}

static int
enter_host (Helper *self, uint32_t host)
{
  if (host > HS_LAB_HOST_SERVER)
    {
      set_what (self, "no host %u", (unsigned) host);
      return -EINVAL;
    }
  if (setns (self->netns[host], CLONE_NEWNET) < 0)
    {
      set_what (self, "%s: setns", host_names[host]);
      return -errno;
    }
  return 0;
}

static int
new_socket (Helper *self, const HsLabRequest *request, int *out_fd)
{
  int fd, one = 1;

  if (request->family != AF_INET && (request->family != AF_INET6 || !self->ipv6))
    {
      set_what (self, "%s: socket family %d", host_names[request->host], (int) request->family);
      return -EAFNOSUPPORT;
    }

  fd = socket (request->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0)
    {
      set_what (self, "%s: socket", host_names[request->host]);
      return -errno;
    }

  if (request->flags & HS_LAB_SOCKET_BIND)
    {
      struct sockaddr_storage ss;
      socklen_t len;

      memset (&ss, 0, sizeof ss);
      if (request->family == AF_INET)
        {
          struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

          sin->sin_family = AF_INET;
          sin->sin_port = htons (request->port);
          memcpy (&sin->sin_addr, request->addr, 4);
          len = sizeof *sin;
        }
      else
        {
          struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

          sin6->sin6_family = AF_INET6;
          sin6->sin6_port = htons (request->port);
          memcpy (&sin6->sin6_addr, request->addr, 16);
          len = sizeof *sin6;
        }

      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, (struct sockaddr *) &ss, len) < 0)
        {
          int errsv = errno;

          close (fd);
          set_what (self, "%s: bind", host_names[request->host]);
          return -errsv;
        }
    }

  *out_fd = fd;
  return 0;
}

static int
handle_request (Helper *self, const HsLabRequest *request)
{
  int fd = -1, ret;
  bool owned = true;

  self->what[0] = '\0';

  if ((ret = enter_host (self, request->host)) < 0)
    return send_reply (self, request->op, -ret, -1, 0);

  switch (request->op)
    {
      case HS_LAB_OP_GET_TUN:
        fd = self->tun[request->host];
        owned = false;
        break;

      case HS_LAB_OP_GET_SOCK_DIAG:
        fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0)
          {
            ret = -errno;
            set_what (self, "%s: open NETLINK_SOCK_DIAG", host_names[request->host]);
          }
        break;

      case HS_LAB_OP_NEW_SOCKET:
        ret = new_socket (self, request, &fd);
        break;

      default:
        set_what (self, "unknown request %u", (unsigned) request->op);
        ret = -EINVAL;
        break;
    }

  ret = send_reply (self, request->op, -ret, fd, 0);
  if (owned && fd >= 0)
    close (fd);
  return ret;
}

static void
serve (Helper *self)
{
  for (;;)
    {
      HsLabRequest request;
      ssize_t len = recv (self->control, &request, sizeof request, 0);

      if (len < 0 && errno == EINTR)
        continue;
      /* The application is gone or closed its end: so are the hosts. */
      if (len <= 0)
        return;

      if ((size_t) len != sizeof request || request.magic != HS_LAB_MAGIC ||
          request.version != HS_LAB_VERSION)
        {
          set_what (self, "malformed request");
          if (send_reply (self, len >= 8 ? request.op : 0, EPROTO, -1, 0) < 0)
            return;
          continue;
        }

      if (handle_request (self, &request) < 0)
        return;
    }
}

int
main (int argc, char **argv)
{
  Helper self = { .control = HS_LAB_CONTROL_FD, .netns = { -1, -1 }, .tun = { -1, -1 } };
  struct stat st;
  int ret;

  (void) argv;

  prctl (PR_SET_PDEATHSIG, SIGKILL);

  if (argc > 1 || fstat (self.control, &st) < 0 || !S_ISSOCK (st.st_mode))
    {
      fprintf (stderr,
               "handshake-lab-helper (%s %s) is started by Handshake with a socket as "
               "file descriptor %d; it is not meant to be run by hand.\n",
               PACKAGE_NAME, PACKAGE_VERSION, HS_LAB_CONTROL_FD);
      return 2;
    }
  fcntl (self.control, F_SETFD, FD_CLOEXEC);

  ret = setup (&self);
  if (ret < 0)
    {
      fprintf (stderr, "handshake-lab-helper: %s: %s\n", self.what, strerror (-ret));
      send_reply (&self, HS_LAB_OP_READY, -ret, -1, 0);
      return 1;
    }

  if (send_reply (&self, HS_LAB_OP_READY, 0, -1,
                  (self.ipv6 ? HS_LAB_READY_IPV6 : 0) | (self.userns ? HS_LAB_READY_USERNS : 0)) <
      0)
    return 1;

  serve (&self);
  return 0;
}
