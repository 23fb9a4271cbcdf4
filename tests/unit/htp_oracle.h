/*
 * The libhtp configuration our HTTP parser is compared against, shared by
 * tests/unit/test_http_vs_libhtp.c and fuzz/fuzz_http_diff.c so both judge
 * by the same oracle: the IDS personality, no decompression, no cookie
 * parsing, path case and UTF-8 left alone, transactions kept until freed.
 */
#ifndef TLSIPS_TESTS_HTP_ORACLE_H
#define TLSIPS_TESTS_HTP_ORACLE_H

#include <htp/htp.h>

static inline void
htp_oracle_configure(htp_cfg_t *cfg)
{
	htp_config_set_server_personality(cfg, HTP_SERVER_IDS);
	htp_config_set_convert_lowercase(cfg, HTP_DECODER_URL_PATH, 0);
	htp_config_set_utf8_convert_bestfit(cfg, HTP_DECODER_URL_PATH, 0);
	htp_config_set_response_decompression(cfg, 0);
	htp_config_set_request_decompression(cfg, 0);
	htp_config_set_parse_request_cookies(cfg, 0);
	htp_config_set_log_level(cfg, HTP_LOG_NONE);
	htp_config_set_tx_auto_destroy(cfg, 0);
}

#endif
