struct sock_filter f[] = {
  BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 4),
  VALIDATE_ARCHITECTURE,
  { 0x06, 0, 0, 0 },
  "unclosed
