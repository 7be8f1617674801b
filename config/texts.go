package config

import (
	"fmt"
	"net/url"
	"strings"
)

// loadTextConfig reads the text-message gateway for urgent advice
// requests. Without CANDOUR_TEXT_URL, text messages are written to the log
// (the number's last digits only, never the body) and counted as sent.
func loadTextConfig(getenv func(string) string, c *Config) error {
	c.TextURL = strings.TrimSpace(getenv("CANDOUR_TEXT_URL"))
	c.TextToken = strings.TrimSpace(getenv("CANDOUR_TEXT_TOKEN"))
	if c.TextURL == "" {
		return nil
	}
	u, err := url.Parse(c.TextURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("CANDOUR_TEXT_URL: %q is not a web address like https://texts.example.org/send", c.TextURL)
	}
	if u.Scheme != "https" && c.Env == Production {
		return fmt.Errorf("CANDOUR_TEXT_URL: must be https in production")
	}
	return nil
}
