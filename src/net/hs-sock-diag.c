/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-sock-diag"

#include "config.h"

#include "hs-sock-diag.h"
#include "hs-sock-diag-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

/* The kernel's TCP_* state numbers (include/net/tcp_states.h). */
enum
{
  LINUX_TCP_SYN_RECV = 3,
  LINUX_TCP_LISTEN = 10,
  LINUX_TCP_NEW_SYN_RECV = 12,
};

/* Every state `ss -tan` asks for, plus the kernel's request sockets. */
#define ALL_STATES ((1u << (LINUX_TCP_NEW_SYN_RECV + 1)) - 1)

/* The kernel fills at most 32 KiB per datagram of a dump, whatever the
 * reader offers (net/netlink/af_netlink.c). */
#define DUMP_BUFFER_SIZE 32768

/* One "sport = :P" test as ss compiles it: the op, a host condition without
 * family or prefix (8 bytes) and four bytes of address that ss always adds. */
#define PORT_COND_SIZE (sizeof (struct inet_diag_bc_op) + 8 + 4)
#define JMP_SIZE       (sizeof (struct inet_diag_bc_op))

/* Replies that never come (a wedged namespace) must not hang the UI. */
#define RECV_TIMEOUT_SECONDS 5

struct _HsSockDiag
{
  GObject parent_instance;

  HsSockDiagBackend backend;
  char *fallback_reason;

  /* Guards nl and seq: lookups use them, and so do worker threads when the
   * socket came from new_for_fd(). */
  GMutex lock;
  struct mnl_socket *nl;
  guint32 seq;
  /* TRUE when the socket lives in this process's own network namespace, so
   * a worker thread may open another one for itself. */
  gboolean private_workers;
};

G_DEFINE_FINAL_TYPE (HsSockDiag, hs_sock_diag, G_TYPE_OBJECT)

GQuark
hs_sock_diag_error_quark (void)
{
  return g_quark_from_static_string ("hs-sock-diag-error-quark");
}

typedef struct
{
  guint16 *ports;
  guint n_ports;
  guint32 state_mask;
} DumpData;

static void
dump_data_free (DumpData *data)
{
  g_free (data->ports);
  g_free (data);
}

static gboolean
port_matches (const HsSocketRow *row, const guint16 *ports, guint n_ports)
{
  if (n_ports == 0)
    return TRUE;

  for (guint i = 0; i < n_ports; i++)
    if (row->local.port == ports[i] || row->remote.port == ports[i])
      return TRUE;

  return FALSE;
}

static gboolean
state_matches (guint8 linux_state, guint32 state_mask)
{
  if (state_mask == 0)
    return TRUE;
  if (linux_state >= 32)
    return FALSE;
  /* Request sockets are TCP_NEW_SYN_RECV inside the kernel and reported as
   * SYN_RECV; asking for either finds them, as in the kernel's own filter. */
  if (linux_state == LINUX_TCP_SYN_RECV || linux_state == LINUX_TCP_NEW_SYN_RECV)
    return (state_mask & ((1u << LINUX_TCP_SYN_RECV) | (1u << LINUX_TCP_NEW_SYN_RECV))) != 0;

  return (state_mask & (1u << linux_state)) != 0;
}

static gboolean
host_is_unspecified (const HsAddress *address)
{
  static const guint8 zero[16] = { 0 };

  return memcmp (address->addr, zero, sizeof zero) == 0;
}

static gboolean
address_is_unspecified (const HsAddress *address)
{
  return address->port == 0 && host_is_unspecified (address);
}

/* Fills @address from the kernel's representation. An IPv6 socket that
 * carries IPv4 (::ffff:a.b.c.d) becomes IPv4, as GIO reports such sockets. */
static void
address_from_words (HsAddress *address, int family, const guint8 *bytes, guint16 port)
{
  static const guint8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  memset (address, 0, sizeof *address);
  address->port = port;

  if (family == AF_INET)
    {
      address->family = 4;
      memcpy (address->addr, bytes, 4);
    }
  else if (memcmp (bytes, mapped_prefix, sizeof mapped_prefix) == 0)
    {
      address->family = 4;
      memcpy (address->addr, bytes + 12, 4);
    }
  else
    {
      address->family = 6;
      memcpy (address->addr, bytes, 16);
    }
}

static void
row_set_state (HsSocketRow *row, guint8 linux_state)
{
  row->linux_state = linux_state;
  row->state = hs_tcp_state_from_linux (linux_state);
}

/* --- The netlink backend ------------------------------------------------ */

static void
set_recv_timeout (int fd)
{
  struct timeval tv = { .tv_sec = RECV_TIMEOUT_SECONDS };

  /* Best effort: without it a lookup merely loses its safety net. */
  if (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    g_debug ("SO_RCVTIMEO: %s", g_strerror (errno));
}

static struct mnl_socket *
open_diag_socket (int *out_errno)
{
  struct mnl_socket *nl;

  nl = mnl_socket_open2 (NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
  if (nl == NULL)
    {
      *out_errno = errno;
      return NULL;
    }

  if (mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      *out_errno = errno;
      mnl_socket_close (nl);
      return NULL;
    }

  set_recv_timeout (mnl_socket_get_fd (nl));
  return nl;
}

static struct nlmsghdr *
put_request (char *buf,
             guint16 flags,
             guint32 seq,
             int family,
             guint32 states,
             const HsAddress *local,
             const HsAddress *remote)
{
  struct nlmsghdr *nlh;
  struct inet_diag_req_v2 *req;

  nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = seq;

  req = mnl_nlmsg_put_extra_header (nlh, sizeof *req);
  req->sdiag_family = family;
  req->sdiag_protocol = IPPROTO_TCP;
  req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
  req->idiag_states = states;

  if (local != NULL && remote != NULL)
    {
      gsize size = family == AF_INET ? 4 : 16;

      req->id.idiag_sport = htons (local->port);
      req->id.idiag_dport = htons (remote->port);
      memcpy (req->id.idiag_src, local->addr, size);
      memcpy (req->id.idiag_dst, remote->addr, size);
      /* No cookie: find the socket by its 4-tuple alone. */
      req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
      req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    }

  return nlh;
}

static int
info_attr_cb (const struct nlattr *attr, void *data)
{
  const struct nlattr **info = data;

  /* Attributes newer than our headers are skipped, not refused. */
  if (mnl_attr_get_type (attr) == INET_DIAG_INFO)
    *info = attr;

  return MNL_CB_OK;
}

#define INFO_HAS(len, field) \
  ((len) >= offsetof (struct tcp_info, field) + sizeof (((struct tcp_info *) 0)->field))

static gboolean
row_from_message (const struct nlmsghdr *nlh, HsSocketRow *row)
{
  const struct inet_diag_msg *msg;
  const struct nlattr *info_attr = NULL;

  if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len (nlh) < sizeof *msg)
    return FALSE;

  msg = mnl_nlmsg_get_payload (nlh);
  if (msg->idiag_family != AF_INET && msg->idiag_family != AF_INET6)
    return FALSE;

  memset (row, 0, sizeof *row);
  address_from_words (&row->local, msg->idiag_family, (const guint8 *) msg->id.idiag_src,
                      ntohs (msg->id.idiag_sport));
  address_from_words (&row->remote, msg->idiag_family, (const guint8 *) msg->id.idiag_dst,
                      ntohs (msg->id.idiag_dport));
  row_set_state (row, msg->idiag_state);
  row->recv_q = msg->idiag_rqueue;
  row->send_q = msg->idiag_wqueue;
  row->timer = msg->idiag_timer;
  row->expires_ms = msg->idiag_expires;
  row->retransmits = msg->idiag_retrans;
  row->uid = msg->idiag_uid;
  row->inode = msg->idiag_inode;
  row->cookie = (guint64) msg->id.idiag_cookie[0] | ((guint64) msg->id.idiag_cookie[1] << 32);

  mnl_attr_parse (nlh, sizeof *msg, info_attr_cb, &info_attr);
  if (info_attr != NULL)
    {
      struct tcp_info info = { 0 };
      gsize len = mnl_attr_get_payload_len (info_attr);

      /* Older kernels send a shorter struct; newer ones a longer one. */
      memcpy (&info, mnl_attr_get_payload (info_attr), MIN (len, sizeof info));
      row->has_info = TRUE;
      if (INFO_HAS (len, tcpi_total_retrans))
        row->total_retrans = info.tcpi_total_retrans;
      if (INFO_HAS (len, tcpi_bytes_acked))
        row->bytes_acked = info.tcpi_bytes_acked;
      if (INFO_HAS (len, tcpi_bytes_received))
        row->bytes_received = info.tcpi_bytes_received;
      if (INFO_HAS (len, tcpi_snd_wnd))
        row->snd_wnd = info.tcpi_snd_wnd;
    }

  return TRUE;
}

typedef struct
{
  HsSocketRow *row;
  gboolean found;
} LookupData;

static int
lookup_cb (const struct nlmsghdr *nlh, void *user_data)
{
  LookupData *data = user_data;

  if (row_from_message (nlh, data->row))
    {
      data->found = TRUE;
      return MNL_CB_STOP;
    }

  return MNL_CB_OK;
}

typedef struct
{
  GArray *rows;
  const guint16 *ports; /* filter in user space too (no kernel filter) */
  guint n_ports;
  guint32 state_mask;
} CollectData;

static int
collect_cb (const struct nlmsghdr *nlh, void *user_data)
{
  CollectData *data = user_data;
  HsSocketRow row;

  if (!row_from_message (nlh, &row))
    return MNL_CB_OK;
  if (!port_matches (&row, data->ports, data->n_ports) ||
      !state_matches (row.linux_state, data->state_mask))
    return MNL_CB_OK;

  g_array_append_val (data->rows, row);
  return MNL_CB_OK;
}

/* Sends @request and runs @cb over the replies until the kernel is done (a
 * dump) or @cb stops (a lookup). On a refusal returns FALSE with
 * *kernel_errno set and no GError; on a failure to talk at all, a GError. */
static gboolean
transact (struct mnl_socket *nl,
          struct nlmsghdr *request,
          char *buf,
          gsize buf_size,
          mnl_cb_t cb,
          gpointer data,
          int *kernel_errno,
          GError **error)
{
  guint32 portid = mnl_socket_get_portid (nl);
  /* The replies land in the buffer that holds the request. */
  guint32 seq = request->nlmsg_seq;
  gboolean dump = (request->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

  *kernel_errno = 0;

  if (mnl_socket_sendto (nl, request, request->nlmsg_len) < 0)
    {
      int errsv = errno;

      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                   _ ("Could not ask the kernel about its sockets: %s"), g_strerror (errsv));
      return FALSE;
    }

  for (;;)
    {
      ssize_t n = mnl_socket_recvfrom (nl, buf, buf_size);
      int ret;

      if (n < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          if (errsv == EAGAIN || errsv == EWOULDBLOCK)
            g_set_error_literal (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                                 _ ("The kernel did not answer a question about its sockets in "
                                    "time."));
          else
            g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                         _ ("Could not read the kernel's answer about its sockets: %s"),
                         g_strerror (errsv));
          return FALSE;
        }

      ret = mnl_cb_run (buf, n, seq, portid, cb, data);
      if (ret == MNL_CB_ERROR)
        {
          /* ESRCH: a late answer to an earlier request (one abandoned on an
           * error, say) that is still queued on the socket. Skip it. */
          if (errno == ESRCH)
            {
              g_debug ("Skipping a stale reply");
              continue;
            }
          *kernel_errno = errno != 0 ? errno : EPROTO;
          return FALSE;
        }
      if (ret == MNL_CB_STOP)
        return TRUE;
      /* A lookup is answered by one datagram, without NLMSG_DONE. */
      if (!dump)
        return TRUE;
    }
}

static gboolean
nl_lookup (struct mnl_socket *nl,
           guint32 *seq,
           const HsAddress *local,
           const HsAddress *remote,
           HsSocketRow *row,
           GError **error)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *nlh;
  LookupData data = { row, FALSE };
  int kernel_errno;

  nlh = put_request (buf, 0, ++*seq, local->family == 4 ? AF_INET : AF_INET6, ALL_STATES, local,
                     remote);
  if (!transact (nl, nlh, buf, sizeof buf, lookup_cb, &data, &kernel_errno, error))
    {
      if (kernel_errno == 0)
        return FALSE;
      /* ENOENT is the kernel's "no such socket". */
      if (kernel_errno != ENOENT)
        g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                     _ ("The kernel refused to look up a socket: %s"), g_strerror (kernel_errno));
      return FALSE;
    }

  return data.found;
}

GBytes *
_hs_sock_diag_build_port_filter (const guint16 *ports, guint n_ports)
{
  g_autoptr (GByteArray) program = NULL;
  g_autoptr (GArray) unique = g_array_new (FALSE, FALSE, sizeof (guint16));
  guint n_conds;
  gsize total;

  for (guint i = 0; i < n_ports; i++)
    {
      gboolean seen = FALSE;

      for (guint j = 0; j < unique->len && !seen; j++)
        seen = g_array_index (unique, guint16, j) == ports[i];
      if (!seen)
        g_array_append_val (unique, ports[i]);
    }

  n_conds = 2 * unique->len;
  if (n_conds == 0)
    return NULL;
  total = n_conds * PORT_COND_SIZE + (n_conds - 1) * JMP_SIZE;
  /* Jump offsets are 16 bits and so is the attribute's length. */
  if (total > 60000)
    return NULL;

  /* "c0 or c1 or …" as ss builds it: every test passes on to a JMP that
   * leaps to the end (accept), or fails on to the next test; the last one
   * fails past the end (reject). */
  program = g_byte_array_sized_new (total);
  for (guint i = 0; i < n_conds; i++)
    {
      gsize offset = i * (PORT_COND_SIZE + JMP_SIZE);
      struct inet_diag_bc_op op = {
        .code = i % 2 == 0 ? INET_DIAG_BC_S_COND : INET_DIAG_BC_D_COND,
        .yes = PORT_COND_SIZE,
        .no = PORT_COND_SIZE + JMP_SIZE,
      };
      struct inet_diag_hostcond cond;
      guint8 addr[4] = { 0 };

      /* The struct has padding; zero it so the program is byte for byte
       * what ss sends. */
      memset (&cond, 0, sizeof cond);
      cond.family = AF_UNSPEC;
      cond.prefix_len = 0;
      cond.port = g_array_index (unique, guint16, i / 2);

      G_STATIC_ASSERT (sizeof cond == 8);
      g_byte_array_append (program, (const guint8 *) &op, sizeof op);
      g_byte_array_append (program, (const guint8 *) &cond, sizeof cond);
      g_byte_array_append (program, addr, sizeof addr);

      if (i + 1 < n_conds)
        {
          struct inet_diag_bc_op jmp = {
            .code = INET_DIAG_BC_JMP,
            .yes = JMP_SIZE,
            .no = total - (offset + PORT_COND_SIZE),
          };

          g_byte_array_append (program, (const guint8 *) &jmp, sizeof jmp);
        }
    }

  g_assert (program->len == total);
  return g_byte_array_free_to_bytes (g_steal_pointer (&program));
}

static gboolean
nl_dump_family (struct mnl_socket *nl,
                guint32 *seq,
                int family,
                GBytes *program,
                CollectData *collect,
                int *kernel_errno,
                GError **error)
{
  gsize program_size = program != NULL ? g_bytes_get_size (program) : 0;
  /* The request, with up to 60 KB of program, is built in the same buffer. */
  gsize buf_size = MAX (DUMP_BUFFER_SIZE, MNL_NLMSG_HDRLEN + sizeof (struct inet_diag_req_v2) +
                                              MNL_ATTR_HDRLEN + MNL_ALIGN (program_size));
  g_autofree char *buf = g_malloc0 (buf_size);
  guint32 states = collect->state_mask == 0 ? ALL_STATES : collect->state_mask;
  struct nlmsghdr *nlh;

  if (states & (1u << LINUX_TCP_SYN_RECV))
    states |= 1u << LINUX_TCP_NEW_SYN_RECV;

  nlh = put_request (buf, NLM_F_DUMP, ++*seq, family, states, NULL, NULL);
  if (program != NULL)
    mnl_attr_put (nlh, INET_DIAG_REQ_BYTECODE, program_size, g_bytes_get_data (program, NULL));

  return transact (nl, nlh, buf, buf_size, collect_cb, collect, kernel_errno, error);
}

static GArray *
nl_dump (struct mnl_socket *nl,
         guint32 *seq,
         const guint16 *ports,
         guint n_ports,
         guint32 state_mask,
         GCancellable *cancellable,
         GError **error)
{
  g_autoptr (GArray) rows = g_array_sized_new (FALSE, TRUE, sizeof (HsSocketRow), 16);
  g_autoptr (GBytes) program = NULL;
  CollectData collect = { rows, NULL, 0, state_mask };
  static const int families[] = { AF_INET, AF_INET6 };

  /* A program for more than about 1,500 ports would not fit in a netlink
   * attribute: then the kernel sends everything and the filter runs here. */
  if (n_ports > 0)
    {
      program = _hs_sock_diag_build_port_filter (ports, n_ports);
      if (program == NULL)
        {
          collect.ports = ports;
          collect.n_ports = n_ports;
        }
    }

  /* The kernel dumps one family per request (AF_UNSPEC has no handler). */
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      int kernel_errno;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      if (!nl_dump_family (nl, seq, families[i], program, &collect, &kernel_errno, error))
        {
          if (kernel_errno == 0)
            return NULL;
          /* A kernel without IPv6 has no IPv6 sockets to report. */
          if (families[i] == AF_INET6 && (kernel_errno == EAFNOSUPPORT || kernel_errno == ENOENT))
            continue;
          g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                       _ ("The kernel refused to list its sockets: %s"), g_strerror (kernel_errno));
          return NULL;
        }
    }

  return g_steal_pointer (&rows);
}

/* Asks for nothing at all (no states): the cheapest way to learn whether
 * the kernel's TCP diagnostics answer, without walking any table. */
static gboolean
nl_probe (struct mnl_socket *nl, guint32 *seq, int *out_errno)
{
  g_autofree char *buf = g_malloc (DUMP_BUFFER_SIZE);
  g_autoptr (GArray) rows = g_array_new (FALSE, TRUE, sizeof (HsSocketRow));
  g_autoptr (GError) error = NULL;
  CollectData collect = { rows, NULL, 0, 0 };
  struct nlmsghdr *nlh;
  int kernel_errno;

  nlh = put_request (buf, NLM_F_DUMP, ++*seq, AF_INET, 0, NULL, NULL);
  if (transact (nl, nlh, buf, DUMP_BUFFER_SIZE, collect_cb, &collect, &kernel_errno, &error))
    return TRUE;

  *out_errno = kernel_errno != 0 ? kernel_errno : EIO;
  return FALSE;
}

/* --- The /proc backend -------------------------------------------------- */

static gboolean
next_token (const char **cursor, const char *end, const char **token, gsize *token_len)
{
  const char *p = *cursor;

  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (p == end)
    return FALSE;

  *token = p;
  while (p < end && *p != ' ' && *p != '\t')
    p++;
  *token_len = p - *token;
  *cursor = p;
  return TRUE;
}

static gboolean
parse_hex (const char *text, gsize len, guint64 *value)
{
  guint64 v = 0;

  if (len == 0 || len > 16)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0)
        return FALSE;
      v = (v << 4) | (guint64) digit;
    }

  *value = v;
  return TRUE;
}

static gboolean
parse_decimal (const char *text, gsize len, guint64 *value)
{
  guint64 v = 0;

  if (len == 0 || len > 20)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      if (v > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      v = v * 10 + (guint64) (text[i] - '0');
    }

  *value = v;
  return TRUE;
}

/* "A:B" in hex, as in "00000000:00000001" or "01:00000019". */
static gboolean
parse_hex_pair (const char *text, gsize len, guint64 *a, guint64 *b)
{
  const char *colon = memchr (text, ':', len);

  if (colon == NULL)
    return FALSE;

  return parse_hex (text, colon - text, a) && parse_hex (colon + 1, len - (colon + 1 - text), b);
}

/* "0100007F:13AD" or 32 hex digits and a port. Each group of 8 digits is
 * one 32-bit word of the address printed in host byte order, so storing the
 * parsed word as it sits in memory restores the bytes of the address. */
static gboolean
parse_proc_address (const char *text, gsize len, guint8 family, HsAddress *address)
{
  guint n_words = family == 4 ? 4 / 4 : 16 / 4;
  guint8 bytes[16] = { 0 };
  guint64 port;

  if (len != n_words * 8 + 1 + 4 || text[n_words * 8] != ':')
    return FALSE;

  for (guint i = 0; i < n_words; i++)
    {
      guint64 word;
      guint32 word32;

      if (!parse_hex (text + i * 8, 8, &word))
        return FALSE;
      word32 = (guint32) word;
      memcpy (bytes + i * 4, &word32, 4);
    }

  if (!parse_hex (text + n_words * 8 + 1, 4, &port))
    return FALSE;

  address_from_words (address, family == 4 ? AF_INET : AF_INET6, bytes, (guint16) port);
  return TRUE;
}

/* One line of /proc/net/tcp{,6}:
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
 * (net/ipv4/tcp_ipv4.c, get_tcp4_sock()). */
static gboolean
parse_proc_line (const char *line,
                 const char *end,
                 guint8 family,
                 const guint16 *ports,
                 guint n_ports,
                 guint32 state_mask,
                 long clock_ticks,
                 HsSocketRow *row,
                 gboolean *wanted)
{
  const char *cursor = line;
  const char *tok;
  gsize len;
  guint64 state, tx, rx, tr, when, retrans, uid, timeout, inode;

  *wanted = FALSE;
  memset (row, 0, sizeof *row);

  /* "0:", "12:" */
  if (!next_token (&cursor, end, &tok, &len) || len < 2 || tok[len - 1] != ':' ||
      !parse_decimal (tok, len - 1, &state))
    return FALSE;

  if (!next_token (&cursor, end, &tok, &len) || !parse_proc_address (tok, len, family, &row->local))
    return FALSE;
  if (!next_token (&cursor, end, &tok, &len) ||
      !parse_proc_address (tok, len, family, &row->remote))
    return FALSE;
  if (!next_token (&cursor, end, &tok, &len) || !parse_hex (tok, len, &state) || state > 0xff)
    return FALSE;

  row_set_state (row, (guint8) state);
  /* Most lines of a busy table are someone else's: leave early. */
  if (!port_matches (row, ports, n_ports) || !state_matches (row->linux_state, state_mask))
    return TRUE;

  if (!next_token (&cursor, end, &tok, &len) || !parse_hex_pair (tok, len, &tx, &rx))
    return FALSE;
  if (!next_token (&cursor, end, &tok, &len) || !parse_hex_pair (tok, len, &tr, &when))
    return FALSE;
  if (!next_token (&cursor, end, &tok, &len) || !parse_hex (tok, len, &retrans))
    return FALSE;
  if (!next_token (&cursor, end, &tok, &len) || !parse_decimal (tok, len, &uid))
    return FALSE;
  /* The "timeout" column (probes sent) is signed; only its presence matters. */
  if (!next_token (&cursor, end, &tok, &len))
    return FALSE;
  if (tok[0] == '-')
    tok++, len--;
  if (!parse_decimal (tok, len, &timeout))
    return FALSE;
  if (!next_token (&cursor, end, &tok, &len) || !parse_decimal (tok, len, &inode))
    return FALSE;

  /* tx_queue is write_seq - snd_una even for a listener, so a listener's
   * maximum backlog is not in /proc: netstat shows 0 there too. */
  row->send_q = (guint32) MIN (tx, G_MAXUINT32);
  row->recv_q = (guint32) MIN (rx, G_MAXUINT32);
  row->timer = (guint8) MIN (tr, G_MAXUINT8);
  row->expires_ms = (guint32) MIN (when * 1000 / (guint64) clock_ticks, G_MAXUINT32);
  row->retransmits = (guint8) MIN (retrans, G_MAXUINT8);
  row->uid = (guint32) MIN (uid, G_MAXUINT32);
  row->inode = inode;

  *wanted = TRUE;
  return TRUE;
}

guint
_hs_sock_diag_parse_proc (const char *text,
                          gsize len,
                          guint8 family,
                          const guint16 *ports,
                          guint n_ports,
                          guint32 state_mask,
                          long clock_ticks,
                          GArray *rows)
{
  const char *p = text;
  const char *end = text + len;
  guint skipped = 0;
  gboolean first = TRUE;

  g_return_val_if_fail (text != NULL || len == 0, 0);
  g_return_val_if_fail (family == 4 || family == 6, 0);
  g_return_val_if_fail (rows != NULL, 0);

  if (clock_ticks <= 0)
    clock_ticks = 100;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *line_end = eol != NULL ? eol : end;
      HsSocketRow row;
      gboolean wanted;

      if (first)
        {
          /* The header: "  sl  local_address rem_address   st …". */
          first = FALSE;
        }
      else if (line_end > p)
        {
          if (!parse_proc_line (p, line_end, family, ports, n_ports, state_mask, clock_ticks, &row,
                                &wanted))
            skipped++;
          else if (wanted)
            g_array_append_val (rows, row);
        }

      p = eol != NULL ? eol + 1 : end;
    }

  return skipped;
}

static char *
read_proc_file (const char *path, gsize *out_len, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_sized_new (128 * 1024);
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == ENOENT)
        {
          *out_len = 0;
          return NULL;
        }
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                   _ ("Could not read %s: %s"), path, g_strerror (errsv));
      return NULL;
    }

  for (;;)
    {
      gsize old_len = data->len;
      ssize_t n;

      /* A large read lets seq_file fill many lines per system call. */
      g_byte_array_set_size (data, old_len + 64 * 1024);
      n = read (fd, data->data + old_len, 64 * 1024);
      if (n < 0 && errno == EINTR)
        {
          g_byte_array_set_size (data, old_len);
          continue;
        }
      if (n <= 0)
        {
          int errsv = errno;

          g_byte_array_set_size (data, old_len);
          if (n == 0)
            break;
          close (fd);
          g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                       _ ("Could not read %s: %s"), path, g_strerror (errsv));
          return NULL;
        }
      g_byte_array_set_size (data, old_len + n);
    }

  close (fd);
  *out_len = data->len;
  g_byte_array_append (data, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&data), FALSE);
}

static const struct
{
  const char *path;
  guint8 family;
} proc_files[] = {
  { "/proc/net/tcp", 4 },
  { "/proc/net/tcp6", 6 },
};

/* Reads one of proc_files into @rows. A missing tcp6 is no error: IPv6 is
 * off, so there are no IPv6 sockets. */
static gboolean
proc_read (guint which,
           const guint16 *ports,
           guint n_ports,
           guint32 state_mask,
           GArray *rows,
           GError **error)
{
  g_autofree char *text = NULL;
  GError *local_error = NULL;
  gsize len = 0;
  guint skipped;

  text = read_proc_file (proc_files[which].path, &len, &local_error);
  if (text == NULL)
    {
      if (local_error == NULL && proc_files[which].family == 6)
        return TRUE;
      if (local_error == NULL)
        g_set_error (&local_error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                     _ ("Could not read %s: %s"), proc_files[which].path, g_strerror (ENOENT));
      g_propagate_error (error, local_error);
      return FALSE;
    }

  skipped = _hs_sock_diag_parse_proc (text, len, proc_files[which].family, ports, n_ports,
                                      state_mask, sysconf (_SC_CLK_TCK), rows);
  if (skipped > 0)
    g_debug ("Skipped %u lines of %s that did not parse", skipped, proc_files[which].path);
  return TRUE;
}

static GArray *
proc_dump (const guint16 *ports, guint n_ports, guint32 state_mask, GError **error)
{
  g_autoptr (GArray) rows = g_array_sized_new (FALSE, TRUE, sizeof (HsSocketRow), 16);

  for (guint i = 0; i < G_N_ELEMENTS (proc_files); i++)
    if (!proc_read (i, ports, n_ports, state_mask, rows, error))
      return NULL;

  return g_steal_pointer (&rows);
}

/* /proc has no index: a lookup reads and scans the whole table (linear in
 * the number of sockets), unlike the kernel's hash lookup over netlink. An
 * IPv4 socket may be an IPv6 one carrying IPv4, so tcp6 is read too when
 * tcp has no answer. */
static gboolean
proc_lookup (const HsAddress *local,
             const HsAddress *remote,
             gboolean listener,
             HsSocketRow *row,
             GError **error)
{
  g_autoptr (GArray) rows = g_array_sized_new (FALSE, TRUE, sizeof (HsSocketRow), 8);
  guint32 mask = listener ? 1u << LINUX_TCP_LISTEN : 0;

  for (guint which = local->family == 4 ? 0 : 1; which < G_N_ELEMENTS (proc_files); which++)
    {
      const HsSocketRow *wildcard = NULL;

      g_array_set_size (rows, 0);
      if (!proc_read (which, &local->port, 1, mask, rows, error))
        return FALSE;

      for (guint i = 0; i < rows->len; i++)
        {
          const HsSocketRow *r = &g_array_index (rows, HsSocketRow, i);

          if (!listener)
            {
              if (hs_address_equal (&r->local, local) && hs_address_equal (&r->remote, remote))
                {
                  *row = *r;
                  return TRUE;
                }
              continue;
            }

          if (r->local.port != local->port)
            continue;
          if (hs_address_equal (&r->local, local))
            {
              *row = *r;
              return TRUE;
            }
          /* A wildcard listener takes the connection unless one is bound to
           * the exact address; an IPv6 one ([::]) may take IPv4 too. */
          if (host_is_unspecified (&r->local) && wildcard == NULL)
            wildcard = r;
        }

      if (wildcard != NULL)
        {
          *row = *wildcard;
          return TRUE;
        }
    }

  return FALSE;
}

/* --- The object --------------------------------------------------------- */

static void
hs_sock_diag_finalize (GObject *object)
{
  HsSockDiag *self = (HsSockDiag *) object;

  g_clear_pointer (&self->nl, mnl_socket_close);
  g_clear_pointer (&self->fallback_reason, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hs_sock_diag_parent_class)->finalize (object);
}

static void
hs_sock_diag_class_init (HsSockDiagClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_sock_diag_finalize;
}

static void
hs_sock_diag_init (HsSockDiag *self)
{
  g_mutex_init (&self->lock);
  self->backend = HS_SOCK_DIAG_BACKEND_PROC;
  /* Replies carry the sequence number back: start somewhere unlikely to
   * meet a stale answer. */
  self->seq = (guint32) g_get_monotonic_time ();
}

static HsSockDiag *
new_proc (char *reason)
{
  HsSockDiag *self = g_object_new (HS_TYPE_SOCK_DIAG, NULL);

  self->backend = HS_SOCK_DIAG_BACKEND_PROC;
  self->fallback_reason = reason;
  return self;
}

HsSockDiag *
hs_sock_diag_new (void)
{
  const char *forced = g_getenv ("HANDSHAKE_SOCK_DIAG");
  struct mnl_socket *nl;
  HsSockDiag *self;
  int errsv = 0;

  if (g_strcmp0 (forced, "proc") == 0)
    return new_proc (g_strdup (_ ("HANDSHAKE_SOCK_DIAG=proc is set: reading /proc/net/tcp instead "
                                  "of the kernel's socket diagnostics (netlink).")));

  nl = open_diag_socket (&errsv);
  if (nl != NULL)
    {
      self = g_object_new (HS_TYPE_SOCK_DIAG, NULL);
      self->nl = nl;
      if (nl_probe (nl, &self->seq, &errsv))
        {
          self->backend = HS_SOCK_DIAG_BACKEND_NETLINK;
          self->private_workers = TRUE;
          return self;
        }
      g_clear_object (&self);
    }

  return new_proc (g_strdup_printf (_ ("The kernel's socket diagnostics (netlink) are not "
                                       "available: %s. Reading /proc/net/tcp instead."),
                                    g_strerror (errsv)));
}

HsSockDiag *
hs_sock_diag_new_proc (void)
{
  return new_proc (g_strdup (_ ("Reading /proc/net/tcp, as asked, instead of the kernel's socket "
                                "diagnostics (netlink).")));
}

HsSockDiag *
hs_sock_diag_new_for_fd (int fd, GError **error)
{
  struct mnl_socket *nl;
  HsSockDiag *self;
  int domain = 0, protocol = 0;
  socklen_t len = sizeof domain;
  int flags;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fd < 0)
    {
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD,
                   _ ("No socket was given for the kernel's socket diagnostics."));
      return NULL;
    }

  if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
    {
      int errsv = errno;

      close (fd);
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD,
                   _ ("The socket for the kernel's socket diagnostics is not usable: %s"),
                   g_strerror (errsv));
      return NULL;
    }
  len = sizeof protocol;
  if (domain != AF_NETLINK || getsockopt (fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0 ||
      protocol != NETLINK_SOCK_DIAG)
    {
      close (fd);
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD,
                   _ ("The socket given is not one for the kernel's socket diagnostics "
                      "(NETLINK_SOCK_DIAG)."));
      return NULL;
    }

  /* Replies are read with blocking calls (and a timeout). */
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) != 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  set_recv_timeout (fd);

  nl = mnl_socket_fdopen (fd);
  if (nl == NULL)
    {
      int errsv = errno;

      close (fd);
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD,
                   _ ("The socket for the kernel's socket diagnostics is not usable: %s"),
                   g_strerror (errsv));
      return NULL;
    }

  if (mnl_socket_get_portid (nl) == 0 && mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      int errsv = errno;

      mnl_socket_close (nl);
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD,
                   _ ("The socket for the kernel's socket diagnostics is not usable: %s"),
                   g_strerror (errsv));
      return NULL;
    }

  self = g_object_new (HS_TYPE_SOCK_DIAG, NULL);
  self->nl = nl;
  self->backend = HS_SOCK_DIAG_BACKEND_NETLINK;
  /* The socket may belong to another network namespace, where this process
   * cannot open a second one: workers share it. */
  self->private_workers = FALSE;
  return self;
}

HsSockDiagBackend
hs_sock_diag_get_backend (HsSockDiag *self)
{
  g_return_val_if_fail (HS_IS_SOCK_DIAG (self), HS_SOCK_DIAG_BACKEND_PROC);

  return self->backend;
}

const char *
hs_sock_diag_get_fallback_reason (HsSockDiag *self)
{
  g_return_val_if_fail (HS_IS_SOCK_DIAG (self), NULL);

  return self->backend == HS_SOCK_DIAG_BACKEND_NETLINK ? NULL : self->fallback_reason;
}

static gboolean
check_address (const HsAddress *address, GError **error)
{
  if (address->family == 4 || address->family == 6)
    return TRUE;

  g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_ARGUMENT,
               _ ("A socket can only be looked up by an IPv4 or IPv6 address."));
  return FALSE;
}

gboolean
hs_sock_diag_lookup (HsSockDiag *self,
                     const HsAddress *local,
                     const HsAddress *remote,
                     HsSocketRow *row,
                     GError **error)
{
  HsSocketRow found;
  gboolean ok;

  g_return_val_if_fail (HS_IS_SOCK_DIAG (self), FALSE);
  g_return_val_if_fail (local != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_address (local, error) || !check_address (remote, error))
    return FALSE;
  if (local->family != remote->family)
    {
      g_set_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_ARGUMENT,
                   _ ("A connection cannot join an IPv4 address to an IPv6 address."));
      return FALSE;
    }

  /* As the kernel does, a lookup with no remote end finds the listener. */
  if (self->backend == HS_SOCK_DIAG_BACKEND_PROC)
    ok = proc_lookup (local, remote, address_is_unspecified (remote), &found, error);
  else
    {
      g_mutex_lock (&self->lock);
      ok = nl_lookup (self->nl, &self->seq, local, remote, &found, error);
      g_mutex_unlock (&self->lock);

      /* Finding no connection, the kernel's lookup goes on to the listener
       * that would take a SYN for the tuple; that is not the socket asked
       * for unless a listener was asked for. */
      if (ok && found.linux_state == LINUX_TCP_LISTEN && !address_is_unspecified (remote))
        ok = FALSE;
    }

  if (ok && row != NULL)
    *row = found;
  return ok;
}

gboolean
hs_sock_diag_lookup_listener (HsSockDiag *self,
                              const HsAddress *local,
                              HsSocketRow *row,
                              GError **error)
{
  HsAddress remote = { 0 };
  HsSocketRow found;
  gboolean ok;

  g_return_val_if_fail (HS_IS_SOCK_DIAG (self), FALSE);
  g_return_val_if_fail (local != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_address (local, error))
    return FALSE;
  remote.family = local->family;

  if (self->backend == HS_SOCK_DIAG_BACKEND_PROC)
    ok = proc_lookup (local, &remote, TRUE, &found, error);
  else
    {
      /* With no connection from 0.0.0.0:0 (or [::]:0), the kernel's exact
       * lookup falls through to its listener lookup: a hash lookup too. */
      g_mutex_lock (&self->lock);
      ok = nl_lookup (self->nl, &self->seq, local, &remote, &found, error);
      g_mutex_unlock (&self->lock);

      if (ok && (found.linux_state != LINUX_TCP_LISTEN || found.local.port != local->port))
        ok = FALSE;
    }

  if (ok && row != NULL)
    *row = found;
  return ok;
}

GArray *
hs_sock_diag_dump (HsSockDiag *self,
                   const guint16 *ports,
                   guint n_ports,
                   guint32 state_mask,
                   GError **error)
{
  GArray *rows;

  g_return_val_if_fail (HS_IS_SOCK_DIAG (self), NULL);
  g_return_val_if_fail (ports != NULL || n_ports == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->backend == HS_SOCK_DIAG_BACKEND_PROC)
    return proc_dump (ports, n_ports, state_mask, error);

  g_mutex_lock (&self->lock);
  rows = nl_dump (self->nl, &self->seq, ports, n_ports, state_mask, NULL, error);
  g_mutex_unlock (&self->lock);

  return rows;
}

static void
dump_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  HsSockDiag *self = source_object;
  DumpData *data = task_data;
  GError *error = NULL;
  GArray *rows;

  if (self->backend == HS_SOCK_DIAG_BACKEND_PROC)
    rows = proc_dump (data->ports, data->n_ports, data->state_mask, &error);
  else if (self->private_workers)
    {
      /* A socket of its own: lookups on the main thread never wait for the
       * kernel's walk of a big table. */
      struct mnl_socket *nl;
      guint32 seq = 1;
      int errsv = 0;

      nl = open_diag_socket (&errsv);
      if (nl == NULL)
        {
          g_task_return_new_error (task, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_FAILED,
                                   _ ("Could not open a socket for the kernel's socket "
                                      "diagnostics: %s"),
                                   g_strerror (errsv));
          return;
        }
      rows = nl_dump (nl, &seq, data->ports, data->n_ports, data->state_mask, cancellable, &error);
      mnl_socket_close (nl);
    }
  else
    {
      g_mutex_lock (&self->lock);
      rows = nl_dump (self->nl, &self->seq, data->ports, data->n_ports, data->state_mask,
                      cancellable, &error);
      g_mutex_unlock (&self->lock);
    }

  if (rows == NULL)
    g_task_return_error (task, error);
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, rows, (GDestroyNotify) g_array_unref);
  else
    g_array_unref (rows);
}

void
hs_sock_diag_dump_async (HsSockDiag *self,
                         const guint16 *ports,
                         guint n_ports,
                         guint32 state_mask,
                         int io_priority,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  DumpData *data;

  g_return_if_fail (HS_IS_SOCK_DIAG (self));
  g_return_if_fail (ports != NULL || n_ports == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (DumpData, 1);
  data->ports = n_ports > 0 ? g_memdup2 (ports, n_ports * sizeof (guint16)) : NULL;
  data->n_ports = n_ports;
  data->state_mask = state_mask;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hs_sock_diag_dump_async);
  /* The priority @callback runs at. */
  g_task_set_priority (task, io_priority);
  g_task_set_task_data (task, data, (GDestroyNotify) dump_data_free);
  g_task_run_in_thread (task, dump_thread);
}

GArray *
hs_sock_diag_dump_finish (HsSockDiag *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (HS_IS_SOCK_DIAG (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hs_sock_diag_dump_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
