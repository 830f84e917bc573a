/*
 * amana: one CLI for NGOs, investigators, administrators and auditors.
 * main() dispatches to the cli_cmd_* functions; `amana help [SUBCOMMAND]`
 * lists and explains only the subcommands this build implements.
 * Exit status: 0 success, 1 a failure the user can fix, 2 bad usage.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

struct cli_cmd {
	const char	*name;
	int		(*fn)(int, char **);	/* NULL: not in this build */
	const char	*summary;
	const char	*help;
};

static const struct cli_cmd cmds[] = {
	{ "keygen", cli_cmd_keygen, "create authority, NGO or investigator keys",
	  "usage: amana keygen authority -o DIR\n"
	  "       amana keygen ngo --name NAME -o DIR\n"
	  "       amana keygen investigator --name NAME -o DIR\n"
	  "       [--passphrase-file F | --no-passphrase]\n"
	  "\n"
	  "authority writes DIR/authority.identity (age identity, usable with\n"
	  "`age -d -i`), DIR/authority.recipient (age1...), DIR/authority.key\n"
	  "(signed-note signer: the roster key) and DIR/authority.vkey.\n"
	  "ngo writes DIR/ngo.key and DIR/ngo.vkey; investigator writes\n"
	  "DIR/investigator.key and DIR/investigator.vkey. NAME is the key name\n"
	  "in the signed-note verifier key.\n"
	  "Key files are created new (never overwritten), mode 0600. With\n"
	  "--passphrase-file F, secret files are age scrypt files sealed with\n"
	  "the first line of F; without it, the terminal asks for a passphrase\n"
	  "(empty: no passphrase); when stdin is not a terminal, or with\n"
	  "--no-passphrase, no passphrase. A protected authority.identity still\n"
	  "works with `age -d -i` (age asks for the passphrase). Keep it offline.\n" },
	{ "accredit", cli_cmd_accredit, "accredit an NGO (authority)",
	  "usage: amana accredit --authority-key F --ngo VKEYFILE --name NAME\n"
	  "       [--days N | --seconds N] -o F [--passphrase-file F]\n"
	  "\n"
	  "Writes an accreditation record for the NGO verifier key, signed with\n"
	  "the authority's key, valid for N days (default 365). Publish it with\n"
	  "`amana roster push`.\n" },
	{ "credential", cli_cmd_credential, "credential an investigator (authority)",
	  "usage: amana credential --authority-key F --investigator VKEYFILE\n"
	  "       [--days N | --seconds N] -o F [--passphrase-file F]\n"
	  "\n"
	  "Writes an investigator credential signed with the authority's key,\n"
	  "valid for N days (default 365). Publish it with `amana roster push`.\n" },
	{ "revoke", cli_cmd_revoke, "revoke an NGO's accreditation (authority)",
	  "usage: amana revoke --authority-key F --ngo VKEYFILE -o F\n"
	  "       [--passphrase-file F]\n"
	  "\n"
	  "Writes a revocation record signed with the authority's key. Publish\n"
	  "it with `amana roster push`.\n" },
	{ "roster", cli_cmd_roster, "publish roster records to the relay",
	  "usage: amana roster push --relay URL [--log-key VKEYFILE] [--ca FILE]\n"
	  "       FILE...\n"
	  "\n"
	  "Sends each accreditation, credential or revocation FILE to the relay\n"
	  "(POST /v1/roster), in order. Stops at the first refusal. With\n"
	  "--log-key, each receipt is verified against the log key.\n" },
	{ "submit", cli_cmd_submit, "seal and submit an alert (NGO)",
	  "usage: amana submit --relay URL --ngo-key F --to RECIPIENT...\n"
	  "       [--attach F]... [--log-key VKEYFILE] [--dir DIR] [--ca FILE]\n"
	  "       [--category C] [--place P] [--passphrase-file F]\n"
	  "       [MESSAGE-FILE|-]\n"
	  "\n"
	  "Seals the message (default: stdin) and attachments for every\n"
	  "RECIPIENT (age1... or a file holding one), signs the envelope with\n"
	  "the NGO key, sends it, and verifies the receipt against the log key\n"
	  "(--log-key, default DIR/relay.vkey) before printing the alert\n"
	  "number. Keeps DIR/alert-N.tlog-proof, DIR/alert-N.envelope and the\n"
	  "alert's reply identity DIR/alert-N.identity (mode 0600). DIR\n"
	  "defaults to the NGO key's folder. The envelope is sent from its\n"
	  "file, never held in memory whole. A run interrupted before the\n"
	  "receipt leaves DIR/pending-H.envelope; the same submit run again\n"
	  "resends it, so a retry never makes two alerts.\n" },
	{ "receipt", cli_cmd_receipt, "verify a receipt offline",
	  "usage: amana receipt verify --log-key VKEYFILE RECEIPT [ENVELOPE]\n"
	  "\n"
	  "Checks that RECEIPT (a c2sp.org/tlog-proof) is signed by the log key\n"
	  "and proves inclusion; with ENVELOPE, that it is this envelope's.\n"
	  "Prints the alert number.\n" },
	{ "fetch", cli_cmd_fetch, "fetch new envelopes (investigator)",
	  "usage: amana fetch --relay URL --key F [--from N] [--log-key VKEYFILE]\n"
	  "       [--ca FILE] [--passphrase-file F] -o DIR\n"
	  "\n"
	  "Downloads alert envelopes into DIR/N.envelope, starting after the\n"
	  "highest N already in DIR (or at --from N). Each envelope is checked\n"
	  "against the log before it is written (atomically).\n" },
	{ "open", cli_cmd_open, "decrypt an envelope into a folder (investigator)",
	  "usage: amana open --identity F [--passphrase-file F] ENVELOPE -o DIR\n"
	  "\n"
	  "Verifies the envelope's signature, decrypts its payload with the\n"
	  "authority identity and writes DIR/message.txt, DIR/alert.txt (NGO\n"
	  "key, category, place, reply recipient) and DIR/attachments/<name>.\n"
	  "Attachment names with '/', '..' or control characters are refused.\n" },
	{ "envelope", cli_cmd_envelope, "print an envelope's raw age payload",
	  "usage: amana envelope payload ENVELOPE\n"
	  "\n"
	  "Writes the envelope's age payload to stdout (for `age -d`).\n" },
	{ "encrypt", cli_cmd_encrypt, "encrypt a file with age",
	  "usage: amana encrypt --to RECIPIENT... [FILE|-]\n"
	  "\n"
	  "Writes a plain age v1 file to stdout. RECIPIENT is age1... or a file\n"
	  "whose lines hold recipients.\n" },
	{ "decrypt", cli_cmd_decrypt, "decrypt an age file",
	  "usage: amana decrypt [--identity F]... [--passphrase-file F] [FILE|-]\n"
	  "\n"
	  "Decrypts any age v1 file (X25519 recipients or a passphrase) to\n"
	  "stdout. Without --identity, the file is taken to be passphrase\n"
	  "encrypted and the passphrase is read from --passphrase-file or the\n"
	  "terminal.\n" },
	{ "reply", cli_cmd_reply, "reply to an alert (investigator)",
	  "usage: amana reply --relay URL --key F --alert N [--identity F]...\n"
	  "       [--log-key VKEYFILE] [--dir DIR] [--ca FILE]\n"
	  "       [--passphrase-file F] [MESSAGE-FILE|-]\n"
	  "\n"
	  "Seals the message (default: stdin) to the alert's reply recipient\n"
	  "and posts it; the relay logs it. The reply recipient is read from\n"
	  "the alert's envelope (fetched, checked against the log, opened with\n"
	  "--identity, default DIR/authority.identity). The receipt is kept in\n"
	  "DIR/cases/ (DIR: the key's folder).\n" },
	{ "ack", cli_cmd_ack, "acknowledge an alert (investigator)",
	  "usage: amana ack --relay URL --key F --alert N [--identity F]...\n"
	  "       [--log-key VKEYFILE] [--dir DIR] [--ca FILE]\n"
	  "       [--passphrase-file F] [MESSAGE-FILE|-]\n"
	  "\n"
	  "Like reply, but records an acknowledgement (the 7-day deadline);\n"
	  "without MESSAGE-FILE a standard acknowledgement text is sent.\n" },
	{ "inbox", cli_cmd_inbox, "read replies to your alerts (NGO)",
	  "usage: amana inbox --relay URL --ngo-key F [--dir DIR] [--alert N]\n"
	  "       [--log-key VKEYFILE] [--ca FILE] [--passphrase-file F]\n"
	  "\n"
	  "Fetches the replies and acknowledgements to the NGO's own alerts\n"
	  "(those with DIR/alert-N.identity, or only --alert N), checks each\n"
	  "against the verified log, and decrypts them with the kept reply\n"
	  "identities, newest first.\n" },
	{ "cases", cli_cmd_cases, "list alerts and their deadlines (investigator)",
	  "usage: amana cases --relay URL --key F [--overdue] [--log-key VKEYFILE]\n"
	  "       [--dir DIR] [--ca FILE] [--passphrase-file F]\n"
	  "\n"
	  "Per alert: its time, whether it was acknowledged within 7 days and\n"
	  "answered within 3 months, by any investigator (the replies on the\n"
	  "relay, checked against the verified log, and the receipts kept in\n"
	  "DIR/cases/). --overdue lists only late ones. Nothing is decrypted.\n" },
	{ "audit", cli_cmd_audit, "verify the log (auditor)",
	  "usage: amana audit --relay URL --log-key VKEYFILE [--state F] [--ca FILE]\n"
	  "\n"
	  "Fetches the checkpoint, verifies its signature, rebuilds the tree\n"
	  "from the tiles and every entry bundle, and checks consistency with\n"
	  "the size and root in the state file from the last run; a fork or\n"
	  "rollback is an error (exit 1). Then updates the state file.\n" },
	{ "get", cli_cmd_get, "fetch a URL over verified HTTPS (diagnostics)",
	  "usage: amana get [--ca FILE] URL\n"
	  "\n"
	  "GETs URL with certificate verification and writes the body to\n"
	  "stdout; a non-2xx status is an error.\n" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cli_cmd *
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (cmds[i].fn != NULL && strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void
list(FILE *f)
{
	size_t i;

	fprintf(f, "usage: amana SUBCOMMAND [OPTIONS] [ARGS]\n\n"
	    "subcommands:\n");
	for (i = 0; i < NCMDS; i++)
		if (cmds[i].fn != NULL)
			fprintf(f, "  %-11s %s\n", cmds[i].name,
			    cmds[i].summary);
	fprintf(f, "  %-11s %s\n", "help", "this list, or help on one "
	    "subcommand");
	fprintf(f, "\nEvery networked subcommand takes --ca FILE (default "
	    "$AMANA_CA, else the\nsystem store); --relay defaults to "
	    "$AMANA_RELAY. Exit status: 0 success,\n1 failure (one line on "
	    "stderr), 2 bad usage. See `amana help SUBCOMMAND`.\n");
}

static int
help(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc == 0) {
		list(stdout);
		return CLI_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "amana help: too many arguments\n");
		return CLI_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		printf("usage: amana help [SUBCOMMAND]\n");
		return CLI_OK;
	}
	if ((c = lookup(argv[0])) == NULL) {
		fprintf(stderr, "amana help: unknown subcommand '%s' (see "
		    "'amana help')\n", argv[0]);
		return CLI_USAGE;
	}
	fputs(c->help, stdout);
	return CLI_OK;
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *c;
	int i, ret;

	(void)setlocale(LC_CTYPE, "");
	(void)signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "amana: cannot initialise libsodium\n");
		return CLI_FAIL;
	}
	if (argc < 2) {
		list(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return help(argc - 2, argv + 2);
	if ((c = lookup(argv[1])) == NULL) {
		fprintf(stderr, "amana: unknown subcommand '%s' (see 'amana "
		    "help')\n", argv[1]);
		return CLI_USAGE;
	}
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(c->help, stdout);
			return CLI_OK;
		}
	ret = c->fn(argc - 2, argv + 2);
	/* every failure says why in one line, out of memory included */
	if (ret != CLI_OK && !cli_error_said())
		fprintf(stderr, "amana %s: out of memory or internal error\n",
		    c->name);
	if (fflush(stdout) != 0 && ret == CLI_OK) {
		fprintf(stderr, "amana %s: cannot write the output\n", c->name);
		ret = CLI_FAIL;
	}
	return ret;
}
