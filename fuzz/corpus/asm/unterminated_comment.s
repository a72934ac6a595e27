ld [arch]
jne #AUDIT_ARCH_X86_64, kill
/* unclosed
ld [nr]
ret ALLOW
kill: ret KILL
