# Writes the rule file IN as a C array (policy_builtin_rules) into OUT.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR n "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from ${IN}; do not edit. */\n"
  "const char policy_builtin_rules[] = {\n${bytes}0x00 };\n"
  "const unsigned long policy_builtin_rules_len = ${n};\n")
