package mail

import "candour/config"

// Compose is a message's body as it is sent: the text, then the one footer
// every message from Candour ends with (who sent it, and that a reply is
// read by no one).
func Compose(cfg config.Config, text string) string {
	return text + "\n\n--\nCandour, " + cfg.ForceName + "\nThis is an automatic message. Do not reply to it.\n"
}

// CCUNotice is the body of every mail to the CCU mailbox: that something
// is waiting, and where; never what.
func CCUNotice(cfg config.Config, subject string) string {
	return Compose(cfg, subject+".\n\nSign in to Candour to read it in the Counter Corruption Unit's queue:\n"+cfg.BaseURL+"/ccu")
}
