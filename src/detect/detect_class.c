/*
 * detect_class: the classtypes tlsips knows without a classification file,
 * with a category text for events and a priority (1 most severe .. 4).
 * The names are the ones Suricata rule sets use; a classification.config
 * loaded later replaces rows by name and adds new ones.
 */
#include "detect/detect_parse.h"

const struct detect_class_row detect_class_builtin[] = {
	{ "not-suspicious", "Traffic that is not suspicious", 3 },
	{ "unknown", "Traffic of unknown nature", 3 },
	{ "bad-unknown", "Possibly harmful traffic", 2 },
	{ "attempted-recon", "Attempt to gather information", 2 },
	{ "successful-recon-limited", "Information disclosed", 2 },
	{ "successful-recon-largescale", "Large-scale information disclosed", 2 },
	{ "attempted-dos", "Attempted denial of service", 2 },
	{ "successful-dos", "Denial of service", 2 },
	{ "attempted-user", "Attempt to gain user privileges", 1 },
	{ "unsuccessful-user", "Failed attempt to gain user privileges", 1 },
	{ "successful-user", "User privileges gained", 1 },
	{ "attempted-admin", "Attempt to gain administrator privileges", 1 },
	{ "successful-admin", "Administrator privileges gained", 1 },
	{ "rpc-portmap-decode", "RPC query decoded", 2 },
	{ "shellcode-detect", "Executable code seen", 1 },
	{ "string-detect", "Suspicious string seen", 3 },
	{ "suspicious-filename-detect", "Suspicious file name seen", 2 },
	{ "suspicious-login", "Login with a suspicious user name", 2 },
	{ "system-call-detect", "System call seen", 2 },
	{ "tcp-connection", "TCP connection seen", 4 },
	{ "trojan-activity", "Trojan or malware activity", 1 },
	{ "unusual-client-port-connection", "Client using an unusual port", 2 },
	{ "network-scan", "Network scan", 3 },
	{ "denial-of-service", "Denial of service attack", 2 },
	{ "non-standard-protocol", "Non-standard protocol or event", 2 },
	{ "protocol-command-decode", "Protocol command decoded", 3 },
	{ "web-application-activity", "Access to a possibly vulnerable web application", 2 },
	{ "web-application-attack", "Web application attack", 1 },
	{ "misc-activity", "Miscellaneous activity", 3 },
	{ "misc-attack", "Miscellaneous attack", 2 },
	{ "icmp-event", "ICMP event", 3 },
	{ "policy-violation", "Possible policy violation", 1 },
	{ "default-login-attempt", "Login attempt with default credentials", 2 },
	{ "targeted-activity", "Targeted malicious activity", 1 },
	{ "exploit-kit", "Exploit kit activity", 1 },
	{ "external-ip-check", "Host looking up its external IP address", 2 },
	{ "domain-c2", "Domain used for command and control", 1 },
	{ "pup-activity", "Possibly unwanted program", 2 },
	{ "credential-theft", "Credentials stolen", 1 },
	{ "social-engineering", "Possible social engineering", 2 },
	{ "coin-mining", "Cryptocurrency mining", 2 },
	{ "command-and-control", "Malware command and control", 1 },
	{ "sdf", "Sensitive data", 2 },
	{ "file-format", "Known malicious file or file-based exploit", 1 },
	{ "malware-cnc", "Known malware command and control traffic", 1 },
};

const uint32_t detect_class_builtin_count =
	sizeof(detect_class_builtin) / sizeof(detect_class_builtin[0]);
