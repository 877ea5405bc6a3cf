/* SPDX-License-Identifier: GPL-3.0-or-later */
/* recvmmsg() */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "hs-capture"

#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "hs-live-capture.h"
#include "hs-pace.h"

/* Headers only: IPv6 (40) + TCP with every option (60), with room to spare. */
#define SNAP_BYTES 256
/* Packets read per main-loop dispatch, so that a flood cannot starve the
 * other sources (the kernel queues the rest, or drops it and counts). */
#define BATCH 256
/* Packets per recvmmsg() call. */
#define RECV_BATCH   32
#define RCVBUF_BYTES (4 * 1024 * 1024)

struct _HsLiveCapture
{
  GObject parent_instance;

  int fd;
  GSource *watch;
  int loopback_ifindex;
  guint64 n_packets;

  /* The packets of the last recvmmsg() not yet handed on. Handing one on
   * may read the socket again (a connection that becomes known drains
   * it), and that read must hand on these first, in their order. */
  guint8 buffers[RECV_BATCH][SNAP_BYTES];
  guint lengths[RECV_BATCH];
  guint batch_len, batch_pos;
  gboolean batch_short; /* it emptied the socket's queue */
  gint64 batch_time;
};

enum
{
  SEGMENT,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsLiveCapture, hs_live_capture, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

/* The TCP payload the headers announce: the socket hands over the first
 * SNAP_BYTES only, so the parser sees a truncated payload. */
static guint32
claimed_payload (const guint8 *data, gsize len, const HsPacket *packet)
{
  guint32 total;

  if (len < 1)
    return 0;
  if ((data[0] >> 4) == 4 && len >= 4)
    total = (guint32) data[2] << 8 | data[3];
  else if ((data[0] >> 4) == 6 && len >= 6)
    total = 40 + ((guint32) data[4] << 8 | data[5]);
  else
    return packet->payload_len;

  /* GSO on loopback hands the tap super-packets whose IPv4 length may be
   * 0; the parser's count is the best left then. */
  if (total <= packet->payload_off)
    return packet->payload_len;
  return total - packet->payload_off;
}

/* One packet as the socket handed it over. */
static void
take_packet (HsLiveCapture *self, const guint8 *data, gsize len, gint64 now_us)
{
  g_autoptr (GError) error = NULL;
  HsPacket packet;

  if (!hs_packet_parse (data, len, &packet, &error))
    {
      g_debug ("Ignored a captured packet: %s", error->message);
      return;
    }
  packet.payload_len = claimed_payload (data, len, &packet);

  self->n_packets++;
  g_signal_emit (self, signals[SEGMENT], 0, &packet, now_us);
}

/* Reads the next batch of packets into self; FALSE when there is none. */
static gboolean
read_batch (HsLiveCapture *self)
{
  struct iovec iov[RECV_BATCH];
  struct mmsghdr messages[RECV_BATCH];
  int n;

  for (guint i = 0; i < RECV_BATCH; i++)
    {
      iov[i] = (struct iovec){ .iov_base = self->buffers[i], .iov_len = SNAP_BYTES };
      messages[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
    }
  n = recvmmsg (self->fd, messages, RECV_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
  if (n <= 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    self->lengths[i] = MIN (messages[i].msg_len, SNAP_BYTES);
  self->batch_len = (guint) n;
  self->batch_pos = 0;
  self->batch_short = n < RECV_BATCH;
  self->batch_time = g_get_monotonic_time ();
  return TRUE;
}

/* Hands on up to @max packets, reading a batch per system call. */
static void
read_packets (HsLiveCapture *self, guint max)
{
  for (; max > 0; max--)
    {
      guint i;

      if (self->batch_pos == self->batch_len && (self->batch_short || !read_batch (self)))
        {
          /* The queue was empty after the last batch; the next read asks
           * the socket again. */
          self->batch_short = FALSE;
          return;
        }
      /* Counted as taken before it is handed on, so that a read from
       * within goes on after it. */
      i = self->batch_pos++;
      take_packet (self, self->buffers[i], self->lengths[i], self->batch_time);
    }
}

static gboolean
readable_cb (int fd, GIOCondition condition, gpointer user_data)
{
  HsLiveCapture *self = HS_LIVE_CAPTURE (user_data);

  if (hs_pace_work ())
    read_packets (self, BATCH);
  return G_SOURCE_CONTINUE;
}

static void
hs_live_capture_dispose (GObject *object)
{
  HsLiveCapture *self = (HsLiveCapture *) object;

  if (self->watch != NULL)
    {
      hs_pace_unwatch (self->watch);
      g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
    }
  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }

  G_OBJECT_CLASS (hs_live_capture_parent_class)->dispose (object);
}

static void
hs_live_capture_class_init (HsLiveCaptureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_live_capture_dispose;

  /**
   * HsLiveCapture::segment:
   * @packet: the HsPacket (headers; payload_len as announced)
   * @time_us: g_get_monotonic_time() when it was read
   */
  signals[SEGMENT] = g_signal_new ("segment", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_INT64);
}

static void
hs_live_capture_init (HsLiveCapture *self)
{
  self->fd = -1;
}

/* A filter that passes nothing: the socket is open before its ports are
 * known, and must not queue the host's other traffic meanwhile. */
static gboolean
attach (HsLiveCapture *self, struct sock_filter *code, guint n, GError **error)
{
  struct sock_fprog program = { .len = (unsigned short) n, .filter = code };

  if (setsockopt (self->fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _ ("The kernel refused the capture filter: %s"), g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

HsLiveCapture *
hs_live_capture_new (GError **error)
{
  g_autoptr (HsLiveCapture) self = g_object_new (HS_TYPE_LIVE_CAPTURE, NULL);
  struct sock_filter none[] = { BPF_STMT (BPF_RET | BPF_K, 0) };
  int size = RCVBUF_BYTES;

  self->fd = socket (AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons (ETH_P_ALL));
  if (self->fd < 0)
    {
      int errsv = errno;

      if (errsv == EPERM || errsv == EACCES)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _ ("Capturing packets needs root or the CAP_NET_RAW capability, so "
                                "segments are inferred from what the sockets do."));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     _ ("Packets cannot be captured here (%s), so segments are inferred from "
                        "what the sockets do."),
                     g_strerror (errsv));
      return NULL;
    }

  if (!attach (self, none, G_N_ELEMENTS (none), error))
    return NULL;
  /* Packets that arrived before the filter was attached are dropped by
   * reading them off now. */
  while (recv (self->fd, &size, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0)
    ;
  size = RCVBUF_BYTES;
  setsockopt (self->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);

  self->loopback_ifindex = (int) if_nametoindex ("lo");
  self->watch = g_unix_fd_source_new (self->fd, G_IO_IN);
  g_source_set_callback (self->watch, G_SOURCE_FUNC (readable_cb), self, NULL);
  g_source_set_static_name (self->watch, "[handshake] capture");
  g_source_attach (self->watch, g_main_context_get_thread_default ());
  hs_pace_watch (self->watch);
  return g_steal_pointer (&self);
}

gboolean
hs_live_capture_set_ports (HsLiveCapture *self, const guint16 *ports, guint n_ports, GError **error)
{
  g_autofree struct sock_filter *code = NULL;
  guint n = 0;
  guint version_at, v6_start, v4_ports, v6_ports, accept_at;

  g_return_val_if_fail (HS_IS_LIVE_CAPTURE (self), FALSE);
  /* Jump offsets are 8 bits wide. */
  g_return_val_if_fail (n_ports <= 16, FALSE);

  /* Classic BPF on the network header (SOCK_DGRAM): IPv4 carrying TCP,
   * ports at the offset the IHL gives; or IPv6 whose next
   * header is TCP, ports at 40. Each port is compared with the source and
   * the destination port. */
  code = g_new0 (struct sock_filter, 17 + 8 * n_ports);
#define EMIT(stmt) (code[n++] = (struct sock_filter) stmt)

  /* Loopback shows each packet twice, once going out and once coming in.
   * The kernel keeps the arrival only, so that the copy going out costs
   * neither a copy to this socket nor a system call to read it. */
  if (self->loopback_ifindex > 0)
    {
      EMIT (BPF_STMT (BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE));
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 3));
      EMIT (BPF_STMT (BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX));
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (guint32) self->loopback_ifindex, 0, 1));
      EMIT (BPF_STMT (BPF_RET | BPF_K, 0));
    }

  version_at = n;
  EMIT (BPF_STMT (BPF_LD | BPF_B | BPF_ABS, 0));
  EMIT (BPF_STMT (BPF_ALU | BPF_RSH | BPF_K, 4));
  EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 0)); /* patched: else IPv6 */
  /* IPv4 */
  EMIT (BPF_STMT (BPF_LD | BPF_B | BPF_ABS, 9));
  EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 0)); /* patched: else drop */
  EMIT (BPF_STMT (BPF_LDX | BPF_B | BPF_MSH, 0));
  v4_ports = n;
  for (guint i = 0; i < n_ports; i++)
    {
      EMIT (BPF_STMT (BPF_LD | BPF_H | BPF_IND, 0));
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, ports[i], 0, 0)); /* patched: accept */
    }
  for (guint i = 0; i < n_ports; i++)
    {
      EMIT (BPF_STMT (BPF_LD | BPF_H | BPF_IND, 2));
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, ports[i], 0, 0));
    }
  EMIT (BPF_STMT (BPF_RET | BPF_K, 0));
  v6_start = n;
  EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 0)); /* A still holds the version */
  EMIT (BPF_STMT (BPF_LD | BPF_B | BPF_ABS, 6));
  EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 0));
  v6_ports = n;
  for (guint i = 0; i < n_ports; i++)
    {
      EMIT (BPF_STMT (BPF_LD | BPF_H | BPF_ABS, 40));
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, ports[i], 0, 0));
    }
  for (guint i = 0; i < n_ports; i++)
    {
      EMIT (BPF_STMT (BPF_LD | BPF_H | BPF_ABS, 42));
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, ports[i], 0, 0));
    }
  EMIT (BPF_STMT (BPF_RET | BPF_K, 0)); /* drop */
  accept_at = n;
  /* The headers only: the kernel hands over no more than is read. */
  EMIT (BPF_STMT (BPF_RET | BPF_K, SNAP_BYTES));
#undef EMIT

  /* Jump offsets count from the next instruction; the drop is just before
   * the accept. */
  code[version_at + 2].jf = (guint8) (v6_start - (version_at + 2) - 1);
  code[version_at + 4].jf = (guint8) (accept_at - 1 - (version_at + 4) - 1);
  for (guint i = 0; i < 2 * n_ports; i++)
    {
      guint j = v4_ports + 2 * i + 1;
      code[j].jt = (guint8) (accept_at - j - 1);
    }
  code[v6_start].jf = (guint8) (accept_at - 1 - v6_start - 1);
  code[v6_start + 2].jf = (guint8) (accept_at - 1 - (v6_start + 2) - 1);
  for (guint i = 0; i < 2 * n_ports; i++)
    {
      guint j = v6_ports + 2 * i + 1;
      code[j].jt = (guint8) (accept_at - j - 1);
    }

  return attach (self, code, n, error);
}

void
hs_live_capture_drain (HsLiveCapture *self)
{
  g_return_if_fail (HS_IS_LIVE_CAPTURE (self));

  /* Bounded, like a dispatch: a flood goes on in the next one. */
  read_packets (self, 4 * BATCH);
}

guint64
hs_live_capture_get_n_packets (HsLiveCapture *self)
{
  g_return_val_if_fail (HS_IS_LIVE_CAPTURE (self), 0);

  return self->n_packets;
}
